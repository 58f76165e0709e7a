"""Figure: a partner organization's bulk file of 10,000 rows, checked and entered, on SQLite or
PostgreSQL (target: within 10 s on a 2-core machine).

Timed, as staff use it: `bulk_check` (read the file, check every row, look up likely
duplicates among the people already in Portline) and then `bulk_commit` (which checks the
same bytes again, then writes every registration, person and consent with set-based inserts
in one transaction, with its batch and audit event). The file is generated (seeded): groups
of one to four people, a share of rows with errors, dates in three forms.

Baseline, same process, same database, same rows: the plain way, a row-by-row ORM save
(`csv.DictReader`, then for each row `full_clean()` and `save()` of a Registration, a Person
and a consent, one INSERT each), inside one transaction that is rolled back afterwards.

    .venv/bin/python benchmarks/intake_import.py [--rows 10000] [--format csv|xlsx]
    .venv/bin/python benchmarks/intake_import.py --database postgres   # needs a local server
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PG_NAME = os.environ.get("PORTLINE_BENCH_DATABASE", "portline_partners")
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
GIVEN = [
    "Ana",
    "Luis",
    "María José",
    "Jean",
    "Wilner",
    "Rosa",
    "Carlos",
    "Fabiola",
    "Ngozi",
    "Yulia",
]
FAMILY = ["Pérez", "Jean-Baptiste", "García López", "Ortiz", "Kovalenko", "Mendoza", "Louis"]
NATIONS = ["VE", "HT", "HN", "MX", "CO", "CU", "GT", "RU", "NG"]
HEADER = [
    "Group",
    "Relationship",
    "Given names",
    "Family names",
    "Date of birth",
    "Nationality",
    "Gender",
    "Preferred language",
    "Phone",
    "Consent given",
    "Consent language",
    "Consent date",
]


def _prepare(database: str, var_dir: Path) -> None:
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    os.environ["PORTLINE_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["PORTLINE_LOG_LEVEL"] = "WARNING"
    if database == "postgres":
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = PG_URL
    else:
        os.environ.pop("DATABASE_URL", None)


def rows_generate(count: int, seed: int, bad_share: float) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    rows: list[list[str]] = []
    group = 0
    while len(rows) < count:
        group += 1
        size = int(rng.choice([1, 1, 1, 2, 3, 4]))
        for member in range(min(size, count - len(rows))):
            born = dt.date(1950, 1, 1) + dt.timedelta(days=int(rng.integers(0, 25_000)))
            form = int(rng.integers(0, 3))
            written = (
                born.isoformat(),
                born.strftime("%d/%m/%Y"),
                born.strftime("%d.%m.%Y"),
            )[form]
            row = [
                f"G{group}" if size > 1 else "",
                "self" if member == 0 else "child",
                str(rng.choice(GIVEN)) + f" {chr(65 + int(rng.integers(0, 26)))}",
                str(rng.choice(FAMILY)),
                written,
                str(rng.choice(NATIONS)),
                str(rng.choice(["female", "male"])),
                "es",
                f"+52{int(rng.integers(10**9, 10**10 - 1))}",
                "paper" if member == 0 else "",
                "es" if member == 0 else "",
                "2026-11-02" if member == 0 else "",
            ]
            if rng.random() < bad_share:
                row[int(rng.choice([2, 4, 5]))] = str(
                    rng.choice(["", "31/02/1990", "XX", '=HYPERLINK("http://x")'])
                )
            rows.append(row)
    return rows


def file_bytes(rows: list[list[str]], kind: str) -> bytes:
    if kind == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def baseline(content: bytes, staff) -> tuple[float, int, int]:
    """Row by row through the ORM: parse, full_clean and save each object; rolled back."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from portline.intake.validation import parse_date
    from portline.registrations.models import PartnerConsent, Person, Registration
    from portline.registrations.services import consent_statement

    statement = consent_statement("es")
    started = time.perf_counter()
    saved = refused = 0
    with transaction.atomic():
        reader = csv.DictReader(io.StringIO(content.decode("utf-8")))
        current: dict[str, Registration] = {}
        positions: dict[int, int] = {}
        for number, line in enumerate(reader, start=2):
            person = Person(
                given_names=line["Given names"],
                family_names=line["Family names"],
                date_of_birth=parse_date(line["Date of birth"]),
                nationality=line["Nationality"],
                gender=line["Gender"],
                preferred_language=line["Preferred language"],
                phone=line["Phone"],
                relationship=line["Relationship"] or "self",
            )
            try:
                person.full_clean(exclude=["registration", "position"])
                if not person.given_names or not person.date_of_birth:
                    raise ValidationError("required")
            except ValidationError:
                refused += 1
                continue
            key = line["Group"] or f"row{number}"
            registration = current.get(key)
            if registration is None:
                registration = Registration(
                    reference=f"B{number:09d}",
                    partner_id=staff.partner_id,
                    created_by=staff,
                    entered_in_bulk=True,
                )
                registration.full_clean(exclude=["owner"])
                registration.save()
                current[key] = registration
                PartnerConsent(
                    registration=registration,
                    partner_id=staff.partner_id,
                    statement=statement,
                    language="es",
                    medium="paper",
                    given_on=dt.date(2026, 11, 2),
                    recorded_by=staff,
                ).save()
            positions[registration.pk] = positions.get(registration.pk, 0) + 1
            person.registration = registration
            person.position = positions[registration.pk]
            if person.position > 10:
                refused += 1
                continue
            person.save()
            saved += 1
        transaction.set_rollback(True)
    return time.perf_counter() - started, saved, refused


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--bad-share", type=float, default=0.05)
    parser.add_argument("--existing", type=int, default=20_000, help="people already in Portline")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    var_dir = Path(tempfile.gettempdir()) / "pl-intake-bench" / "var"
    _prepare(args.database, var_dir)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from portline.accounts.models import Role, User
    from portline.intake.services import bulk_check, bulk_commit
    from portline.partners.models import PartnerOrganization
    from portline.registrations.models import Person, Registration

    call_command("migrate", verbosity=0)
    partner = PartnerOrganization.objects.create(
        name="Bench shelter", kind="shelter", city="Tijuana"
    )
    staff = User.objects.create_user(
        "bench@example.org", "x", role=Role.PARTNER_STAFF, partner=partner
    )
    # People already in Portline, for the likely-duplicate check.
    owner = User.objects.create_user("owner@example.org", "x")
    earlier = rows_generate(args.existing, args.seed + 1, 0.0)
    registrations = Registration.objects.bulk_create(
        [
            Registration(reference=f"E{i:09d}", owner=owner, created_by=owner)
            for i in range(len(earlier))
        ],
        batch_size=2000,
    )
    from portline.intake.validation import parse_date

    Person.objects.bulk_create(
        [
            Person(
                registration=r,
                position=1,
                given_names=row[2],
                family_names=row[3],
                date_of_birth=parse_date(row[4]),
                nationality=row[5],
            )
            for r, row in zip(registrations, earlier, strict=True)
        ],
        batch_size=2000,
    )
    rows = rows_generate(args.rows, args.seed, args.bad_share)
    content = file_bytes(rows, args.format)
    csv_content = file_bytes(rows, "csv")
    print(
        f"{connection.vendor}: {args.rows:,} rows ({args.format}, {len(content) / 1e6:.1f} MB, "
        f"{args.bad_share:.0%} with an error), {args.existing:,} people already in Portline"
    )

    base_s, saved, refused = baseline(csv_content, staff)
    print(
        f"baseline (csv.DictReader + row-by-row full_clean() and save()): {base_s:.2f} s, {saved:,} people saved, {refused:,} refused (rolled back)"
    )

    started = time.perf_counter()
    report = bulk_check(actor=staff, content=content)
    check_s = time.perf_counter() - started
    started = time.perf_counter()
    record = bulk_commit(actor=staff, content=content, mapping=None, checked_sha256=report.sha256)
    commit_s = time.perf_counter() - started
    total = check_s + commit_s
    print(
        f"check (every row, {len(report.problems):,} problems, {len(report.duplicates):,} likely duplicates): {check_s:.2f} s"
    )
    print(
        f"commit (checks again, then {record.rows_imported:,} people in {record.registrations:,} registrations, one transaction): {commit_s:.2f} s"
    )
    print(
        f"check + commit: {total:.2f} s (target 10 s: {'met' if total <= 10 else 'NOT met'}); "
        f"baseline / portline = {base_s / total:.1f}x"
    )


if __name__ == "__main__":
    main()
