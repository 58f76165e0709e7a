"""Figure: a whole allocation round on 1,000,000 requests against 1,450 places, on SQLite or
PostgreSQL, engine version 2 beside version 1 (target <= 10 s, peak memory < 1 GB).

"Whole round" = freeze (read the eligible requests and their group sizes from the database,
hash, fingerprint, store the frozen entries) + draw (read the entries, run the engine, write
selections and standby lists, set the listed requests' status, and offer appointments through
portline.appointments). Marking the other requests "not selected" happens after the commit
(a queued task) and is timed separately. Loading the data is not timed.

Baseline, same process, same database: read the requests through the ORM, key each with
hashlib (SHA-256(seed || request hash)) in a Python loop, sort, fill, and write the outcome
with one UPDATE for the losers and one per winner; rolled back afterwards.

    .venv/bin/python benchmarks/allocation_round.py --database sqlite
    .venv/bin/python benchmarks/allocation_round.py --database postgres   # needs a local server
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# This engineer's own database (the machine is shared); the loaded data is cached in a second
# database with the same prefix.
PG_NAME = os.environ.get("PORTLINE_BENCH_DATABASE", "portline_alloc")
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"


def _prepare(database: str, var_dir: Path, count: int) -> bool:
    """A fresh database; True when it was copied from a cache of already loaded data."""
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    os.environ["PORTLINE_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["PORTLINE_LOG_LEVEL"] = "WARNING"
    cache = f"{PG_NAME}_cache_{count}"
    if database == "postgres":
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            cached = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [cache]
            ).fetchone()
            conn.execute(f"CREATE DATABASE {PG_NAME}{' TEMPLATE ' + cache if cached else ''}")
        os.environ["DATABASE_URL"] = PG_URL
        return bool(cached)
    os.environ.pop("DATABASE_URL", None)
    cached_file = var_dir.parent / f"{cache}.sqlite3"
    if cached_file.exists():
        shutil.copy(cached_file, var_dir / "portline.sqlite3")
        return True
    return False


def _keep_cache(database: str, var_dir: Path, count: int) -> None:
    """Keep the loaded data for the next run (loading a million requests takes minutes)."""
    from django.db import connection

    cache = f"{PG_NAME}_cache_{count}"
    connection.close()
    if database == "postgres":
        import psycopg

        connection.close_pool()  # the pool keeps sessions open, which CREATE ... TEMPLATE refuses

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {cache}")
            conn.execute(f"CREATE DATABASE {cache} TEMPLATE {PG_NAME}")
    else:
        import sqlite3

        with sqlite3.connect(var_dir / "portline.sqlite3") as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(var_dir / "portline.sqlite3", var_dir.parent / f"{cache}.sqlite3")


def _rows_for(model, overrides: dict, varying: list[str]):
    """Column names and a row builder for a raw bulk insert of `model`."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    constant = {}
    for f in fields:
        if f.name in varying or f.attname in varying:
            continue
        constant[f.column] = overrides.get(f.name, overrides.get(f.attname, f.get_default()))
    names = [f.attname for f in fields]
    return columns, names, constant


def _bulk_insert(model, columns, rows, vendor: str) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == 50_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


def load(round_date: dt.date, count: int) -> int:
    """`count` submitted registrations, their people, and one request each for the round."""
    from django.db import connection, transaction

    from benchmarks.allocation_data import PORTS, requests
    from portline.accounts.models import User
    from portline.registrations.models import AppointmentRequest, Person, Registration
    from portline.scheduling.models import Port

    data = requests(count)
    vendor = connection.vendor
    owner = User.objects.create(login="bench@example.org", role="applicant")
    port_id = {p.code: p.pk for p in Port.objects.all()}
    port_ids = [port_id[code] for code in PORTS]
    from portline.common import clock

    now = clock.now()
    with transaction.atomic():
        columns, _names, constant = _rows_for(
            Registration,
            {
                "owner": owner.pk,
                "created_by": owner.pk,
                "status": "submitted",
                "basis": "safety",
                "us_address_line1": "1 Main St",
                "us_city": "Houston",
                "us_state": "TX",
                "us_zip": "77002",
                "created_at": now,
                "updated_at": now,
            },
            ["reference", "submitted_at", "owner", "created_by", "partner"],
        )
        constant.update({"owner_id": owner.pk, "created_by_id": owner.pk, "partner_id": None})
        days = data["registered_day"].tolist()

        def registrations():
            for i in range(count):
                values = dict(
                    constant,
                    reference=f"B{i:09d}",
                    submitted_at=dt.datetime.combine(
                        dt.date.fromordinal(days[i]), dt.time(15), tzinfo=dt.UTC
                    ),
                )
                yield tuple(values[c] for c in columns)

        _bulk_insert(Registration, columns, registrations(), vendor)
        first_id = Registration.objects.order_by("pk").values_list("pk", flat=True).first()
        columns, _names, constant = _rows_for(
            Person,
            {"nationality": "HN", "given_names": "A", "family_names": "B"},
            ["registration", "position"],
        )
        sizes = data["group_size"].tolist()

        def people():
            for i in range(count):
                for position in range(1, sizes[i] + 1):
                    values = dict(constant, registration_id=first_id + i, position=position)
                    yield tuple(values[c] for c in columns)

        _bulk_insert(Person, columns, people(), vendor)
        columns, _names, constant = _rows_for(
            AppointmentRequest,
            {
                "round_date": round_date,
                "status": "pending",
                "created_at": now,
                "requested_by": owner.pk,
            },
            ["registration", "first_port", "second_port", "idempotency_key", "requested_by"],
        )
        constant["requested_by_id"] = owner.pk
        first = data["first_port"].tolist()
        second = data["second_port"].tolist()

        def appointment_requests():
            for i in range(count):
                values = dict(
                    constant,
                    registration_id=first_id + i,
                    first_port_id=port_ids[first[i]],
                    second_port_id=port_ids[second[i]] if second[i] >= 0 else None,
                    idempotency_key=f"k{i}",
                )
                yield tuple(values[c] for c in columns)

        _bulk_insert(AppointmentRequest, columns, appointment_requests(), vendor)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return count


def baseline(round_date: dt.date) -> tuple[float, int]:
    import hashlib

    from django.db import transaction
    from django.db.models import Count

    from benchmarks.allocation_data import seed_bytes
    from portline.registrations.models import AppointmentRequest
    from portline.scheduling.models import Port

    capacity = {p.pk: p.daily_capacity for p in Port.objects.all()}
    started = time.perf_counter()
    with transaction.atomic():
        keyed = []
        sizes = {}
        for request in (
            AppointmentRequest.objects.filter(round_date=round_date, status="pending")
            .annotate(people=Count("registration__people"))
            .iterator(chunk_size=20_000)
        ):
            key = hashlib.sha256(
                seed_bytes() + hashlib.sha256(f"request|{request.pk}".encode()).digest()
            ).digest()
            keyed.append((key, request.pk, request.first_port_id))
            sizes[request.pk] = request.people
        keyed.sort()
        left = dict(capacity)
        winners = []
        for _key, pk, port in keyed:
            if sizes[pk] <= left[port]:
                left[port] -= sizes[pk]
                winners.append(pk)
        AppointmentRequest.objects.filter(round_date=round_date, status="pending").update(
            status="not_selected"
        )
        for pk in winners:
            AppointmentRequest.objects.filter(pk=pk).update(status="selected")
        transaction.set_rollback(True)
    return time.perf_counter() - started, len(winners)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    var_dir = Path(tempfile.gettempdir()) / "pl-allocation-bench" / "var"
    var_dir.parent.mkdir(exist_ok=True)
    cached = _prepare(args.database, var_dir, args.requests)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.allocation_data import peak_rss_mb
    from portline.allocation import services

    call_command("migrate", verbosity=0)
    round_date = dt.date(
        2026, 1, 15
    )  # fixed, so a cached database can be reused; window long closed
    started = time.perf_counter()
    if cached:
        print(f"{connection.vendor}: {args.requests:,} requests from the cache of an earlier run")
    else:
        load(round_date, args.requests)
        print(
            f"{connection.vendor}: loaded {args.requests:,} requests in {time.perf_counter() - started:.0f} s (not timed)"
        )
        _keep_cache(args.database, var_dir, args.requests)

    if not args.skip_baseline:
        baseline_s, winners = baseline(round_date)
        print(
            f"baseline (ORM read + per-request hashlib + sort + per-winner UPDATE): {baseline_s:.2f} s, {winners} winners (rolled back)"
        )

    from django.db import transaction

    # Engine version 1 on the same data, in the same run, rolled back afterwards.
    with transaction.atomic():
        started = time.perf_counter()
        services.round_freeze(
            actor=None, round_date=round_date, beacon_source="local", engine_version="1"
        )
        v1_freeze_s = time.perf_counter() - started
        services.round_beacon_set(actor=None, round_date=round_date, value="ab" * 32, local=True)
        started = time.perf_counter()
        v1_round = services.round_allocate(actor=None, round_date=round_date)
        v1_draw_s = time.perf_counter() - started
        transaction.set_rollback(True)
    print(
        f"engine version 1: freeze {v1_freeze_s:.2f} s + draw {v1_draw_s:.2f} s = whole round "
        f"{v1_freeze_s + v1_draw_s:.2f} s ({v1_round.selected_people} people selected; rolled back)"
    )

    started = time.perf_counter()
    round_obj = services.round_freeze(actor=None, round_date=round_date, beacon_source="local")
    freeze_s = time.perf_counter() - started
    services.round_beacon_set(actor=None, round_date=round_date, value="ab" * 32, local=True)
    started = time.perf_counter()
    round_obj = services.round_allocate(actor=None, round_date=round_date)
    draw_s = time.perf_counter() - started
    total = freeze_s + draw_s
    started = time.perf_counter()
    answered = services.round_answer_requests(actor=None, round_date=round_date)
    answer_s = time.perf_counter() - started
    print(
        f"engine version 2: freeze {freeze_s:.2f} s + draw {draw_s:.2f} s = whole round {total:.2f} s "
        f"({round_obj.selected_people} people selected, {round_obj.standby_requests} on standby, appointments offered)"
    )
    print(
        f"then, after the commit (a queued task): {answered:,} other requests answered 'not selected' in {answer_s:.2f} s"
    )
    if not args.skip_baseline:
        print(f"ratio: {baseline_s / total:.1f}x faster than the baseline")
    print(
        f"target <= 10 s: {'met' if total <= 10 else 'NOT met'}; peak memory (RSS) {peak_rss_mb():.0f} MB (target < 1024 MB)"
    )


if __name__ == "__main__":
    main()
