"""Integrity pattern rules at scale: 1,000,000 synthetic registrations with a planted ring.

Figures (the rules half of the integrity scan): the rules scan's time and peak memory (the whole scan,
linkage included, must fit 4 minutes and 6 GB on this 2-core machine); the planted address ring
of 358 people with 266 surnames found with every member, printed beside a baseline in the same
run (an exact-string count per address, without normalisation); and one new registration
checked against the 1,000,000 already stored, p95 (target 50 ms).

    .venv/bin/python benchmarks/integrity_rules.py                       # 1,000,000
    .venv/bin/python benchmarks/integrity_rules.py --registrations 20000 --checks 50

Part 1 runs the pure rules (portline.integrity.rules and .normalise, the code the scan runs)
over the generated columns in memory. Part 2 loads the same registrations into a fresh SQLite
database (not timed), runs the real service scan (`portline integrity scan`) over it, timed,
then submits new registrations one at a time and times `registration_check` on each.
Data: portline.synthetic.bulk (seeded); the ring's address is written 280 ways.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portline.integrity import normalise, rules
from portline.synthetic.bulk import invented_surnames, registration_batches

TODAY = dt.date(2026, 11, 30)
RING_PEOPLE, RING_SURNAMES = 358, 266
# The ring's address as 280 people might type it: suffix, case, punctuation, unit word and
# place, ZIP or ZIP+4. Every one normalises to one key; an exact-string count sees 280 addresses.
RING_SPELLINGS = [
    (f"742 {street}" + (f" {unit}" if inline else ""), "" if inline else unit, zip_code)
    for street in ("Evergreen Terrace", "Evergreen Ter", "evergreen ter.", "EVERGREEN TERRACE", "Evergreen Terr.")
    for unit in ("Apt 2", "#2", "Unit 2", "apt. 2", "APT 2", "Apartment 2", "# 2")
    for zip_code in ("77002", "77002-1234", "77002-0001", "77002 1234")
    for inline in (True, False)
]  # fmt: skip


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Population:
    """All columns, registrations numbered 1..N (the ring's are the last ones)."""

    def __init__(self, count: int, seed: int, pools=None):
        self.reg: dict[str, list] = {k: [] for k in REG_COLUMNS}
        self.person: dict[str, list] = {k: [] for k in PERSON_COLUMNS}
        for batch in registration_batches(seed=seed, count=count, today=TODAY, pools=pools):
            for key in REG_COLUMNS:
                self.reg[key].extend(getattr(batch, key))
            base = batch.first_index + 1
            self.person["registration"].extend((batch.person_registration + base).tolist())
            self.person["position"].extend(batch.position.tolist())
            for key in PERSON_COLUMNS[2:]:
                self.person[key].extend(getattr(batch, key))
        self.ring = self._plant_ring(np.random.default_rng(seed + 1))

    def _plant_ring(self, rng: np.random.Generator) -> list[int]:
        surnames = invented_surnames(rng, RING_SURNAMES)
        # Every surname once, then 92 repeats; groups of one to three people, members of a
        # group sharing the first member's surname unless they bring a new one.
        order = surnames + [surnames[int(i)] for i in rng.integers(0, RING_SURNAMES, 92)]
        ids, p = [], 0
        now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp()
        while p < RING_PEOPLE:
            size = min(int(rng.integers(1, 4)), RING_PEOPLE - p)
            reg_id = len(self.reg["us_address_line1"]) + 1
            line1, line2, zip_code = RING_SPELLINGS[int(rng.integers(len(RING_SPELLINGS)))]
            for key, value in {
                "registered_at": now + len(ids) * 3600,
                "us_address_line1": line1,
                "us_address_line2": line2,
                "us_city": "Houston",
                "us_state": "TX",
                "us_zip": zip_code,
                "sponsor_name": "",
                "sponsor_phone": "",
                "partner_staff": 0,
                "provider": "",
            }.items():
                self.reg[key].append(value)
            for position in range(1, size + 1):
                self.person["registration"].append(reg_id)
                self.person["position"].append(position)
                self.person["given_names"].append("Ana" if position % 2 else "Luis")
                self.person["family_names"].append(order[p])
                self.person["phone"].append("")
                self.person["email"].append("")
                self.person["document_number"].append("")
                self.person["nationality"].append("HN")
                self.person["photo_hash"].append(f"{rng.integers(0, 2**62):016x}")
                born = dt.date(1970, 1, 1) + dt.timedelta(days=int(rng.integers(0, 15000)))
                self.person["date_of_birth"].append(born.isoformat())
                self.person["sex"].append("female" if position % 2 else "male")
                self.person["birth_place"].append("San Pedro Sula")
                p += 1
            ids.append(reg_id)
        return ids

    @property
    def size(self) -> int:
        return len(self.reg["us_address_line1"])


REG_COLUMNS = [
    "registered_at",
    "us_address_line1",
    "us_address_line2",
    "us_city",
    "us_state",
    "us_zip",
    "sponsor_name",
    "sponsor_phone",
    "partner_staff",
    "provider",
]
PERSON_COLUMNS = [
    "registration",
    "position",
    "given_names",
    "family_names",
    "phone",
    "email",
    "document_number",
    "nationality",
    "photo_hash",
    "date_of_birth",
    "sex",
    "birth_place",
]


# --- Part 1: the pure rules over the columns ------------------------------------------------


def rules_scan(pop: Population, thresholds: rules.Thresholds) -> tuple[list, dict[str, float]]:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    n = pop.size
    family = [""] * (n + 1)
    surnames: list[set[str]] = [set() for _ in range(n + 1)]
    people = [0] * (n + 1)
    cache: dict[str, tuple[str, tuple[str, ...]]] = {}
    for reg_id, position, names in zip(
        pop.person["registration"], pop.person["position"], pop.person["family_names"], strict=True
    ):
        found = cache.get(names)
        if found is None:
            tokens = normalise.surname_tokens(names)
            found = cache[names] = (tokens[0] if tokens else "", tokens)
        if position == 1:
            family[reg_id] = found[0]
        surnames[reg_id].update(found[1])
        people[reg_id] += 1
    joined = [" ".join(sorted(s)) for s in surnames]
    del surnames
    timings["families"] = time.perf_counter() - t

    t = time.perf_counter()
    line1, zips = pop.reg["us_address_line1"], pop.reg["us_zip"]
    blocks = [normalise.address_block(line1[i], zips[i]) for i in range(n)]
    per_block = Counter(blocks)
    busy = {b for b, c in per_block.items() if c >= thresholds.address_hub}
    address_rows = []
    normalised = 0
    for i in range(n):
        if blocks[i] in busy:
            key = normalise.address_key(
                line1[i],
                pop.reg["us_address_line2"][i],
                pop.reg["us_city"][i],
                pop.reg["us_state"][i],
                zips[i],
            )
            normalised += 1
            address_rows.append((key, i + 1, family[i + 1], people[i + 1], joined[i + 1]))
    del blocks, per_block
    timings[f"addresses ({normalised:,} parsed)"] = time.perf_counter() - t

    findings = []
    t = time.perf_counter()
    findings += rules.shared_value_findings(
        rules.ADDRESS_HUB, address_rows, threshold=thresholds.address_hub
    )
    timings["address hubs"] = time.perf_counter() - t

    # Every rule needs a value shared by at least two rows (thresholds are 2 or more), so rows
    # are built only for values seen more than once: the same findings, far fewer tuples.
    assert min(thresholds.for_kind(k) for k in rules.SHARED_VALUE_RULES) >= 2

    def shared(values) -> set:
        return {v for v, n in Counter(values).items() if n > 1 and v}

    def reg_rows(values):
        seen = shared(values)
        return [
            (v, i + 1, family[i + 1], people[i + 1], joined[i + 1])
            for i, v in enumerate(values)
            if v in seen
        ]

    def person_rows(values):
        seen = shared(values)
        return [
            (v, r, family[r], people[r], joined[r])
            for r, v in zip(pop.person["registration"], values, strict=True)
            if v in seen
        ]

    t = time.perf_counter()
    sponsors = [
        normalise.sponsor_key(a, b)
        for a, b in zip(pop.reg["sponsor_name"], pop.reg["sponsor_phone"], strict=True)
    ]
    findings += rules.shared_value_findings(
        rules.SPONSOR_HUB, reg_rows(sponsors), threshold=thresholds.sponsor_hub
    )
    providers = [normalise.name_key(p) if p else "" for p in pop.reg["provider"]]
    findings += rules.shared_value_findings(
        rules.PROVIDER_HUB, reg_rows(providers), threshold=thresholds.provider_hub
    )
    del sponsors, providers
    timings["sponsors, providers"] = time.perf_counter() - t

    t = time.perf_counter()
    for kind, values, key in (
        (
            rules.DOCUMENT_REUSE,
            pop.person["document_number"],
            lambda v: normalise.document_key("", v),
        ),
        (rules.PHONE_REUSE, pop.person["phone"], normalise.phone_key),
        (rules.EMAIL_REUSE, pop.person["email"], normalise.email_key),
        (rules.PHOTO_REUSE, pop.person["photo_hash"], None),
    ):
        rows = person_rows(values if key is None else [key(v) if v else "" for v in values])
        findings += rules.shared_value_findings(kind, rows, threshold=thresholds.for_kind(kind))
        del rows
    timings["documents, phones, e-mails, photos"] = time.perf_counter() - t

    t = time.perf_counter()
    entries = [
        (int(staff), float(at), i + 1, people[i + 1])
        for i, (staff, at) in enumerate(
            zip(pop.reg["partner_staff"], pop.reg["registered_at"], strict=True)
        )
        if staff
    ]
    findings += rules.staff_burst_findings(
        entries,
        max_people=thresholds.staff_burst_people,
        window_s=thresholds.staff_burst_window_s,
    )
    timings["staff bursts"] = time.perf_counter() - t
    return findings, timings


def baseline_exact_address(pop: Population, threshold: int) -> tuple[int, int]:
    """Count per address string exactly as typed: (ring people in flagged strings, flags)."""
    n = pop.size
    keys = [
        f"{pop.reg['us_address_line1'][i]}|{pop.reg['us_address_line2'][i]}|{pop.reg['us_zip'][i]}"
        for i in range(n)
    ]
    counts = Counter(keys)
    flagged = {k for k, c in counts.items() if c >= threshold}
    ring = set(pop.ring)
    people = Counter(pop.person["registration"])
    found = sum(people[r] for r in ring if keys[r - 1] in flagged)
    return found, len(flagged)


# --- Part 2: the database: the service scan and the per-registration check -----------------


def load_database(pop: Population) -> None:
    from django.db import connection, transaction

    from portline.accounts.models import Role, User
    from portline.partners.models import PartnerOrganization
    from portline.registrations.models import EvidenceDocument, Person, Registration

    owner = User.objects.create_user("bench-applicant@example.org", role=Role.APPLICANT)
    partner = PartnerOrganization.objects.create(name="Bench shelter", kind="shelter", city="X")
    staff_ids = {}
    for staff in sorted({int(s) for s in pop.reg["partner_staff"] if s}):
        staff_ids[staff] = User.objects.create_user(
            f"bench-staff-{staff}@example.org", role=Role.PARTNER_STAFF, partner=partner
        ).pk
    ops = connection.ops

    def insert(model, rows, columns):
        fields = [
            f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key
        ]
        defaults = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
        names = list(columns) + [f.column for f in fields]
        # Encrypted columns (document numbers) are stored encrypted, as the application does.
        by_column = {f.column: f for f in model._meta.concrete_fields}
        sealed = {
            i: by_column[c]
            for i, c in enumerate(columns)
            if getattr(by_column.get(c), "encrypted", False)
        }
        sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(names)}) VALUES ({", ".join(["%s"] * len(names))})'  # noqa: S608 - model metadata, no input
        with transaction.atomic(), connection.cursor() as cursor:
            batch = []
            for row in rows:
                if sealed:
                    row = tuple(
                        sealed[i].get_db_prep_save(v, connection) if i in sealed else v
                        for i, v in enumerate(row)
                    )
                batch.append((*row, *defaults))
                if len(batch) >= 20000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)

    def when(seconds: float) -> str:
        return ops.adapt_datetimefield_value(dt.datetime.fromtimestamp(seconds, tz=dt.UTC))

    reg = pop.reg
    insert(
        Registration,
        (
            (
                i + 1,
                f"B{i + 1:09d}",
                owner.pk if not reg["partner_staff"][i] else None,
                staff_ids.get(int(reg["partner_staff"][i]), owner.pk),
                partner.pk if reg["partner_staff"][i] else None,
                "submitted",
                "safety",
                reg["us_address_line1"][i],
                reg["us_address_line2"][i],
                reg["us_city"][i],
                reg["us_state"][i],
                reg["us_zip"][i],
                reg["sponsor_name"][i],
                reg["sponsor_phone"][i],
                when(reg["registered_at"][i]),
                when(reg["registered_at"][i]),
                when(reg["registered_at"][i]),
            )
            for i in range(pop.size)
        ),
        [
            "id", "reference", "owner_id", "created_by_id", "partner_id", "status", "basis",
            "us_address_line1", "us_address_line2", "us_city", "us_state", "us_zip",
            "sponsor_name", "sponsor_phone", "created_at", "updated_at", "submitted_at",
        ],
    )  # fmt: skip
    p = pop.person
    insert(
        Person,
        (
            (
                p["registration"][j],
                p["position"][j],
                "self" if p["position"][j] == 1 else "child",
                p["given_names"][j],
                p["family_names"][j],
                p["phone"][j],
                p["email"][j],
                p["document_number"][j],
                p["nationality"][j] if p["document_number"][j] else "",
                p["nationality"][j],
            )
            for j in range(len(p["registration"]))
        ),
        [
            "registration_id", "position", "relationship", "given_names", "family_names",
            "phone", "email", "id_document_number", "id_document_country", "nationality",
        ],
    )  # fmt: skip
    insert(
        EvidenceDocument,
        (
            (
                i + 1,
                "medical",
                reg["provider"][i],
                owner.pk,
                "",
                when(reg["registered_at"][i]),
                1,
                "application/pdf",
                "0" * 64,
                "a.pdf",
            )
            for i in range(pop.size)
            if reg["provider"][i]
        ),
        [
            "registration_id",
            "kind",
            "provider",
            "uploaded_by_id",
            "file",
            "uploaded_at",
            "size",
            "content_type",
            "sha256",
            "original_name",
        ],
    )


def new_registration(index: int, ring: bool):
    from portline.accounts.models import User
    from portline.common import clock
    from portline.registrations.models import Person, Registration

    owner = User.objects.get(login="bench-applicant@example.org")
    line1, line2, zip_code = (
        RING_SPELLINGS[index % len(RING_SPELLINGS)]
        if ring
        else (f"{index + 10} Check St", "", "77003")
    )
    now = clock.now()
    reg = Registration.objects.create(
        reference=f"N{index:09d}",
        owner=owner,
        created_by=owner,
        status="submitted",
        basis="safety",
        us_address_line1=line1,
        us_address_line2=line2,
        us_city="Houston",
        us_state="TX",
        us_zip=zip_code,
        submitted_at=now,
    )
    Person.objects.create(
        registration=reg,
        position=1,
        family_names=f"Nuevo{index}",
        given_names="Ana",
        phone=f"+52155{index:07d}",
        email=f"new{index}@example.org",
    )
    return reg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--skip-database", action="store_true")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="pl-integrity-bench-"))
    os.environ["PORTLINE_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["PORTLINE_LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    thresholds = rules.Thresholds()

    t = time.perf_counter()
    pop = Population(args.registrations - RING_PEOPLE // 2, args.seed)
    ring_people = sum(1 for r in pop.person["registration"] if r >= pop.ring[0])
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"data: {pop.size:,} registrations, {len(pop.person['registration']):,} people "
        f"(ring: {len(pop.ring)} groups, {ring_people} people, "
        f"{len({pop.person['family_names'][j] for j, r in enumerate(pop.person['registration']) if r >= pop.ring[0]})} surnames) "
        f"generated in {time.perf_counter() - t:.1f} s (not timed below); RSS {rss_mib():,.0f} MiB"
    )

    before = rss_mib()
    t, cpu = time.perf_counter(), time.process_time()
    findings, timings = rules_scan(pop, thresholds)
    scan_s, scan_cpu = time.perf_counter() - t, time.process_time() - cpu
    kinds = Counter(f.kind for f in findings)
    print(
        f"\nrules scan (pure engine, in memory): {scan_s:.1f} s wall, {scan_cpu:.1f} s CPU, peak RSS {rss_mib():,.0f} MiB (data alone {before:,.0f} MiB)"
    )
    for step, seconds in timings.items():
        print(f"  {step:<40} {seconds:6.1f} s")
    print(f"  findings by rule: {dict(sorted(kinds.items()))}")
    ring = set(pop.ring)
    hubs = [f for f in findings if f.kind == rules.ADDRESS_HUB and ring & set(f.registration_ids)]
    members = set().union(*(set(f.registration_ids) for f in hubs)) if hubs else set()
    people_per = Counter(pop.person["registration"])
    found_people = sum(people_per[r] for r in ring & members)
    print(
        f"  ring: {len(hubs)} address flag(s) cover {len(ring & members)}/{len(ring)} groups, "
        f"{found_people}/{ring_people} people; {len(members - ring)} other groups in them; "
        f"explanation counts {hubs[0].params if hubs else {}}"
    )
    t = time.perf_counter()
    base_found, base_flags = baseline_exact_address(pop, thresholds.address_hub)
    print(
        f"baseline (exact-string count per address, no normalisation): {time.perf_counter() - t:.1f} s, "
        f"{base_flags} address(es) over the threshold, ring people found {base_found}/{ring_people}"
    )
    if args.skip_database:
        return

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from portline.integrity import services
    from portline.integrity.models import FactKey, Flag

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    load_database(pop)
    print(
        f"\ndatabase ({connection.vendor}): loaded in {time.perf_counter() - t:.0f} s (not timed)"
    )
    del pop
    rss0 = rss_mib()
    t, cpu = time.perf_counter(), time.process_time()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        scan_profile = cProfile.Profile()
        run = scan_profile.runcall(services.integrity_scan)
        pstats.Stats(scan_profile).sort_stats("cumtime").print_stats(25)
    else:
        run = services.integrity_scan()
    db_scan_s, db_scan_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(
        f"service scan (`portline integrity scan` over the database): {db_scan_s:.1f} s wall, "
        f"{db_scan_cpu:.1f} s CPU, "
        f"{run.flags_created} flags, {FactKey.objects.count():,} facts, peak RSS {rss_mib():,.0f} MiB "
        f"(before {rss0:,.0f} MiB)"
    )
    ring_flag = Flag.objects.filter(kind="address_hub").order_by("-params__count").first()
    print(f"  ring flag: {ring_flag.params if ring_flag else None}")
    t = time.perf_counter()
    again = services.integrity_scan(resume=False)
    print(f"  second scan: {time.perf_counter() - t:.1f} s, {again.flags_created} new flags")

    latencies, raised = [], 0
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
    for i in range(args.checks):
        reg = new_registration(i, ring=i % 10 == 0)
        t = time.perf_counter()
        if profile:
            profile.enable()
        raised += services.registration_check(registration_id=reg.pk)
        if profile:
            profile.disable()
        latencies.append((time.perf_counter() - t) * 1000)
    if profile:
        import pstats

        pstats.Stats(profile).sort_stats("cumtime").print_stats(30)
    lat = np.array(latencies)
    print(
        f"per-registration check against {args.registrations:,} ({args.checks} new, one in ten "
        f"at the ring's address): p50 {np.percentile(lat, 50):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms, "
        f"max {lat.max():.1f} ms; {raised} new flags"
    )
    connection.close()
    shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
