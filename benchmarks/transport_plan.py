"""Figure: planning a day's transport for 1,450 people (every port's daily capacity filled)
within one second, beside a naive per-person ORM baseline measured in the same run.

"Planning" = `portline.transport.services.transport_plan`, the code behind
`portline transport plan` and the coordinator's page: read the day's confirmed appointments
and their people, run the pure engine (first-fit decreasing per port and slot, families
first), store the plan, its vehicles and one manifest entry per person, and audit it.
Data is generated (seeded) into a fresh database first and not timed: registrations of 1-8
people (most alone) with confirmed appointments filling each port's daily capacity in hourly
slots, and one departure city with a route to every port.

Baseline ("per-person ORM, first fit in arrival order"): the same plan written the way a
first version might be: one query per appointment for its people, one query per person to
check that they are not on another manifest, vehicles filled first-fit in booking order
without sorting, and each vehicle and manifest entry saved on its own. It runs in the same
process on the same data inside a transaction that is rolled back.

    .venv/bin/python benchmarks/transport_plan.py                       # SQLite
    .venv/bin/python benchmarks/transport_plan.py --database postgres   # a local server

On PostgreSQL it drops and creates the database PORTLINE_BENCH_DATABASE
(default portline_transport_bench) on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DAY = dt.date(2026, 12, 6)
CITY = "Monterrey"
PG_NAME = os.environ.get("PORTLINE_BENCH_DATABASE", "portline_transport_bench")


def _setup(var_dir: Path, database: str) -> None:
    if database == "postgres":  # a fresh database of this benchmark's own, dropped first
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["PORTLINE_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["PORTLINE_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _generate(seed: int) -> int:
    """Confirmed appointments on DAY filling every port's daily capacity; returns people."""
    from django.db import transaction

    from portline.accounts.models import Role, User
    from portline.allocation.models import Round, RoundSelection
    from portline.appointments.models import Appointment
    from portline.registrations.models import AppointmentRequest, Person, Registration
    from portline.scheduling.models import Port
    from portline.transport.models import Route

    rng = np.random.default_rng(seed)
    sizes_p = np.array([0.55, 0.15, 0.12, 0.08, 0.05, 0.03, 0.01, 0.01])
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    people_total = 0
    with transaction.atomic():
        owner = User.objects.create_user("bench-owner@example.org", role=Role.APPLICANT)
        round_ = Round.objects.create(
            round_date=DAY - dt.timedelta(days=14),
            service_date=DAY,
            fingerprint="f" * 64,
            request_salt="s" * 32,
        )
        plan = []  # (port, size, slot)
        for port in Port.objects.order_by("code"):
            Route.objects.create(
                departure_city=CITY,
                port=port,
                departure_time_zone="America/Monterrey",
                operator_name="Bench operator",
                operator_language="es",
                travel_minutes=int(rng.integers(30, 900)),
                margin_minutes=60,
                vehicle_capacity=45,
            )
            tz = ZoneInfo(port.time_zone)
            left = port.daily_capacity
            while left > 0:
                size = min(int(rng.choice(8, p=sizes_p)) + 1, left)
                hour = int(rng.integers(6, 18))
                plan.append((port, size, dt.datetime.combine(DAY, dt.time(hour), tzinfo=tz)))
                left -= size
        registrations = Registration.objects.bulk_create(
            [
                Registration(
                    reference=f"BT{i:08d}",
                    owner=owner,
                    created_by=owner,
                    status="submitted",
                    basis="safety",
                    submitted_at=now,
                )
                for i in range(len(plan))
            ]
        )
        people = []
        for registration, (_port, size, _slot) in zip(registrations, plan, strict=True):
            for position in range(1, size + 1):
                people.append(
                    Person(
                        registration=registration,
                        position=position,
                        given_names=f"Persona {position}",
                        family_names=f"Familia {registration.reference}",
                    )
                )
        Person.objects.bulk_create(people, batch_size=2000)
        people_total = len(people)
        requests = AppointmentRequest.objects.bulk_create(
            [
                AppointmentRequest(
                    registration=registration,
                    round_date=round_.round_date,
                    first_port=port,
                    status="selected",
                    idempotency_key=f"bench-{registration.pk}",
                    requested_by=owner,
                )
                for registration, (port, _size, _slot) in zip(registrations, plan, strict=True)
            ]
        )
        selections = RoundSelection.objects.bulk_create(
            [
                RoundSelection(
                    round=round_,
                    request=request,
                    port=port,
                    service_date=DAY,
                    group_size=size,
                    outcome="selected",
                    rank=rank,
                )
                for rank, (request, (port, size, _slot)) in enumerate(
                    zip(requests, plan, strict=True), start=1
                )
            ]
        )
        Appointment.objects.bulk_create(
            [
                Appointment(
                    confirmation_number=f"B{i:09d}",
                    selection=selection,
                    request=selection.request,
                    registration=registration,
                    port=port,
                    service_date=DAY,
                    slot_starts_at=slot,
                    slot_ends_at=slot + dt.timedelta(hours=1),
                    group_size=size,
                    status="confirmed",
                    offered_at=now,
                    confirm_by=now + dt.timedelta(hours=23),
                    confirmed_at=now + dt.timedelta(hours=2),
                )
                for i, (selection, registration, (port, size, slot)) in enumerate(
                    zip(selections, registrations, plan, strict=True)
                )
            ],
            batch_size=2000,
        )
    return people_total


def _baseline() -> tuple[float, int]:
    """Per-person ORM, first fit in arrival order, every row saved on its own (rolled back)."""
    from django.db import transaction

    from portline.appointments.models import Appointment
    from portline.transport.models import ManifestEntry, Route, TransportPlan, Vehicle

    class Rollback(Exception):
        pass

    start = time.perf_counter()
    vehicles_made = 0
    try:
        with transaction.atomic():
            plan = TransportPlan.objects.create(
                service_date=DAY,
                departure_city=CITY + " (baseline)",
                engine_version="baseline",
                input_digest="-",
            )
            number = 0
            open_vehicles: dict = {}
            for route in Route.objects.filter(departure_city=CITY).select_related("port"):
                appointments = Appointment.objects.filter(
                    service_date=DAY, status="confirmed", port=route.port
                ).order_by("id")
                for appointment in appointments:
                    members = [
                        person
                        for person in appointment.registration.people.order_by("position")
                        if not ManifestEntry.objects.filter(
                            service_date=DAY, person=person
                        ).exists()
                    ]
                    bins = open_vehicles.setdefault((route.pk, appointment.slot_starts_at), [])
                    for vehicle in bins:
                        if vehicle.entries.count() + len(members) <= route.vehicle_capacity:
                            break
                    else:
                        number += 1
                        vehicle = Vehicle.objects.create(
                            plan=plan,
                            number=number,
                            route=route,
                            port=route.port,
                            slot_starts_at=appointment.slot_starts_at,
                            departs_at=appointment.slot_starts_at
                            - dt.timedelta(minutes=route.travel_minutes + route.margin_minutes),
                            capacity=route.vehicle_capacity,
                        )
                        bins.append(vehicle)
                    for person in members:
                        ManifestEntry.objects.create(
                            vehicle=vehicle,
                            service_date=DAY,
                            appointment=appointment,
                            person=person,
                            boarding_order=vehicle.entries.count() + 1,
                        )
            vehicles_made = number
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - start, vehicles_made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed plans (each replaces the last)"
    )
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="portline-transport-bench-"))
    try:
        _setup(var_dir, args.database)
        from django.db import connection

        from portline.transport import engine, selectors, services

        people = _generate(args.seed)
        baseline_seconds, baseline_vehicles = _baseline()  # before the plan: nobody is placed yet
        times = []
        outcome = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            outcome = services.transport_plan(actor=None, service_date=DAY, departure_city=CITY)
            times.append(time.perf_counter() - start)
        assert outcome is not None and outcome.result.people == people

        candidates = selectors.plan_candidates(
            service_date=DAY, departure_city=CITY, exclude_plan_id=outcome.plan.pk
        )
        start = time.perf_counter()
        engine.plan(candidates.parties, candidates.rules)
        engine_seconds = time.perf_counter() - start
        by_group: dict = {}
        for party in candidates.parties:
            by_group.setdefault((party.port, party.slot_starts_at), []).append(party)
        unsorted_vehicles = sum(
            len(engine.first_fit_in_arrival_order(members, candidates.rules[port].capacity))
            for (port, _slot), members in by_group.items()
        )

        print(
            f"database: {connection.vendor}; {people} people in {len(candidates.parties)} "
            f"appointments at 8 ports, one departure city"
        )
        print(
            f"transport_plan (read, engine, store manifests, audit): "
            f"median {statistics.median(times):.3f} s, best {min(times):.3f} s "
            f"over {len(times)} runs (target <= 1 s)"
        )
        print(
            f"  the pure engine alone: {engine_seconds * 1000:.1f} ms; "
            f"{len(outcome.result.vehicles)} vehicles"
        )
        print(
            f"baseline, per-person ORM with first fit in arrival order: "
            f"{baseline_seconds:.3f} s; {baseline_vehicles} vehicles "
            f"(first fit in arrival order alone: {unsorted_vehicles} vehicles)"
        )
        print(f"speed-up over the baseline: {baseline_seconds / statistics.median(times):.1f}x")
        connection.close()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
