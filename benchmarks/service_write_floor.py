"""Figure: the floor under an authenticated durable write on this machine, beside the real one.

One `portline serve` (gunicorn, the product's settings, middleware and connection pool,
PORTLINE_AUDIT_CHAIN_AFTER_COMMIT=0 with the audit sequencer in its own process, as
service_writes.py runs it) answers three endpoints in turn, each for --duration seconds,
the three repeated --rounds times so that a busy neighbour on the machine weighs on all of
them alike. Same load generator (service_load.py), same clients, same bodies:

- read:  GET /api/v1/ports        a published read, no login (for scale)
- noop:  POST /api/floor/noop     parse the body, bearer token; no write
- floor: POST /api/floor/write    the same, then one INSERT and COMMIT (synchronous_commit on)
- real:  POST /api/v1/requests    the appointment request, every rule of it

The two /api/floor/ endpoints exist only in this benchmark's URLconf
(benchmarks/write_floor_urls.py, loaded through benchmarks/write_floor_settings.py); the
product's URLs are unchanged. Loopback only; ports --port (gunicorn).

    .venv/bin/python benchmarks/service_write_floor.py --database-url postgres://postgres@127.0.0.1:5432/portline_floor
    .venv/bin/python benchmarks/service_write_floor.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
from pathlib import Path

from service_load import (
    Outcome,
    audit_sequencer,
    closed_loop,
    django_setup,
    fresh_database,
    http_request,
    production_server,
    row,
    seed_applicants,
)
from service_writes import request_bytes, request_maker

HERE = Path(__file__).resolve().parent
MODES = ("read", "noop", "floor", "real")


def floor_maker(path: str, pairs):
    """Bodies exactly as the real endpoint's (the pairs are reused: nothing is unique here)."""
    supply = itertools.cycle(pairs)

    def make():
        return request_bytes(*next(supply), path)

    return make


def merged(outcomes: list[Outcome]) -> Outcome:
    total = Outcome()
    for outcome in outcomes:
        total.statuses.update(outcome.statuses)
        total.latencies += outcome.latencies
        total.errors += outcome.errors
        total.acknowledged += outcome.acknowledged
        total.elapsed += outcome.elapsed
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/portline_floor"
    )
    parser.add_argument("--port", type=int, default=8190, help="gunicorn's port")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--duration", type=float, default=10, help="seconds per endpoint per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="3 s each, one round")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds = 3, 1
    work = Path(tempfile.mkdtemp(prefix="portline-floor-"))
    env = fresh_database(args.database_url, work / "var")
    env["PORTLINE_AUDIT_CHAIN_AFTER_COMMIT"] = "0"
    django_setup(env)
    from django.db import connection
    from write_floor_urls import CREATE_TABLE, TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        cursor.execute("SHOW synchronous_commit")
        durable = cursor.fetchone()[0]
    supply = int(args.duration * args.rounds * 1500) + 500
    pairs = seed_applicants(users=50, registrations=supply)
    chunks = iter(pairs)
    print(f"{supply} submitted registrations seeded; synchronous_commit={durable}; logs in {work}")
    server_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "write_floor_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH", "")])),
        # capacity, not shedding: no threads held back for staff
        "PORTLINE_ADMISSION_STAFF_RESERVE": "0",
    }
    read = http_request("GET", "/api/v1/ports", headers={})
    makers = {
        "read": lambda: (read, None),
        "noop": floor_maker("/api/floor/noop", pairs[:500]),
        "floor": floor_maker("/api/floor/write", pairs[:500]),
        "real": request_maker(chunks),
    }
    results: dict[str, list[Outcome]] = {mode: [] for mode in MODES}
    sequencer = audit_sequencer(env, work / "sequencer.log")
    server = production_server(
        args.port, server_env, work / "serve.log", workers=args.workers, threads=args.threads
    )
    try:
        for mode in MODES:  # not measured: imports, shapes, connections in every process
            asyncio.run(closed_loop(args.port, makers[mode], concurrency=4, duration=2))
        for number in range(1, args.rounds + 1):
            for mode in MODES:
                outcome = asyncio.run(
                    closed_loop(
                        args.port,
                        makers[mode],
                        concurrency=args.concurrency,
                        duration=args.duration,
                    )
                )
                results[mode].append(outcome)
                print(row(f"round {number}: {mode}", outcome))
    finally:
        server.stop()
        sequencer.stop()
    print(f"{'all rounds':<46} (writes/s: answers 200/201 per second; for read, reads)")
    for mode in MODES:
        total = merged(results[mode])
        rate = total.count(200, 201) / total.elapsed
        print(
            row(f"{mode}: {args.concurrency} clients, {args.workers}x{args.threads}", total)
            + f"  writes/s {rate:.0f}"
        )
    from portline.registrations.models import AppointmentRequest

    for mode, stored in (
        ("floor", _floor_keys(TABLE)),
        ("real", set(AppointmentRequest.objects.values_list("idempotency_key", flat=True))),
    ):
        acknowledged = set(merged(results[mode]).acknowledged)
        print(
            f"  {mode}: acknowledged {len(acknowledged)}, missing from the database "
            f"{len(acknowledged - stored)}"
        )


def _floor_keys(table: str) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT idempotency_key FROM {table}")  # noqa: S608  # fixed table name
        return {key for (key,) in cursor.fetchall()}


if __name__ == "__main__":
    main()
