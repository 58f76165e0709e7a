"""Figures: appointment requests written through the API on PostgreSQL.

1. Sustained: clients send POST /api/v1/requests (a new registration, idempotency key and
   location fix each) back to back for --duration seconds against `portline serve`
   (gunicorn, threads, connection pool), beside the same run against Django's development
   server (the baseline, what `make run` served before). Target: >= 800 durable writes/s,
   p95 <= 150 ms, no 5xx.
2. Surge: requests arrive at --surge-factor (10) times the sustained rate for
   --surge-duration (60) seconds, open loop, through nginx with the repository's
   deploy/nginx/portline.conf (in-flight limit = workers x (threads - staff reserve)) in front
   of `portline serve` with its own admission control set to the sustained rate
   (--surge-direct: without nginx, as before). Target: no 5xx other than "busy, retry after
   N s" (503 + Retry-After); every request written or told when to retry (503/429 with
   Retry-After); p95 of the answers <= 1 s; afterwards every acknowledged write is in the
   database.

As in production (docs/deployment.md, docs/audit.md), the audit sequencer runs as its own
process (`portline audit chain --follow`) and servers run with
PORTLINE_AUDIT_CHAIN_AFTER_COMMIT=0; the baseline too. Clients come from many loopback
addresses (127.0.0.2-251), as a crowd does, so nginx's per-address limit sees them apart.

Loopback only; the load generator (benchmarks/service_load.py, asyncio) runs on the same
machine and its CPU counts against the server's. Writes are durable: PostgreSQL's default
synchronous_commit=on; an acknowledged request is committed. Ports: --port (gunicorn), +1
(runserver), +2 (nginx).

    .venv/bin/python benchmarks/service_writes.py --database-url postgres://postgres@127.0.0.1:5432/portline_prod
    .venv/bin/python benchmarks/service_writes.py --quick      # small sizes, a few seconds each
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import uuid
from pathlib import Path

from service_load import (
    Nginx,
    audit_sequencer,
    closed_loop,
    development_server,
    django_setup,
    fresh_database,
    http_request,
    open_loop,
    production_server,
    row,
    seed_applicants,
)

TIJUANA = (32.5149, -117.0382)


def point(number: int) -> dict[str, float]:
    """Each applicant's own location fix, spread over about 2 x 2 km of Tijuana (a crowd does
    not share one GPS reading to the sixth decimal)."""
    latitude = TIJUANA[0] - (number % 200) * 0.0001  # south and east: away from the border
    longitude = TIJUANA[1] + (number // 200 % 200) * 0.0001
    return {"latitude": round(latitude, 6), "longitude": round(longitude, 6), "accuracy_m": 25.0}


def request_bytes(reference: str, token: str, path: str = "/api/v1/requests"):
    """One appointment request's raw bytes for `reference`, with a fresh idempotency key."""
    key = uuid.uuid4().hex
    where = point(int(reference.removeprefix("BENCH")))
    body = json.dumps({"registration": reference, "first_port": "SYS", **where}).encode()
    raw = http_request(
        "POST",
        path,
        headers={
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        },
        body=body,
    )
    return raw, key


def request_maker(pairs):
    supply = iter(pairs)

    def make():
        try:
            reference, token = next(supply)
        except StopIteration:
            return None
        return request_bytes(reference, token)

    return make


def warm(port: int, chunks) -> None:
    """Not measured: a few requests per server process first (imports, the service-area
    shapes), as a deployment's readiness probe and first users would."""
    asyncio.run(
        closed_loop(port, request_maker(itertools.islice(chunks, 60)), concurrency=4, duration=3)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/portline_prod"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8185,
        help="servers on PORT (gunicorn), +1 (runserver), +2 (nginx)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=12, help="clients in the sustained run")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--baseline-duration", type=float, default=10)
    parser.add_argument("--surge-factor", type=float, default=10)
    parser.add_argument("--surge-duration", type=float, default=60)
    parser.add_argument("--max-connections", type=int, default=256)
    parser.add_argument(
        "--surge-direct",
        action="store_true",
        help="send the surge straight to gunicorn (the old arrangement), not through nginx",
    )
    parser.add_argument("--quick", action="store_true", help="a few seconds each, for development")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.baseline_duration, args.surge_duration = 4, 3, 5
    work = Path(tempfile.mkdtemp(prefix="portline-bench-"))
    env = fresh_database(args.database_url, work / "var")
    # The audit sequencer as its own process (docs/audit.md), for every server in this run:
    # writers only INSERT their audit rows.
    env["PORTLINE_AUDIT_CHAIN_AFTER_COMMIT"] = "0"
    django_setup(env)
    supply = int(args.duration * 2500 + args.baseline_duration * 500 + args.surge_duration * 3000)
    pairs = seed_applicants(users=50, registrations=supply)
    chunks = iter(pairs)
    print(f"{supply} submitted registrations seeded; logs in {work}")
    print(f"{'server':<46} {'writes':>10}")
    sequencer = audit_sequencer(env, work / "sequencer.log")
    try:
        outcomes = _run(args, env, work, chunks)
    finally:
        sequencer.stop()
    _report_lost(outcomes)


def _run(args, env: dict[str, str], work: Path, chunks) -> list:
    # runserver has a thread per connection: admission's thread limit must not apply to it
    dev_env = {**env, "PORTLINE_WEB_THREADS": "1000"}
    baseline = development_server(args.port + 1, dev_env, work / "runserver.log")
    try:
        warm(args.port + 1, chunks)
        dev = asyncio.run(
            closed_loop(
                args.port + 1,
                request_maker(itertools.islice(chunks, int(args.baseline_duration * 500))),
                concurrency=args.concurrency,
                duration=args.baseline_duration,
            )
        )
    finally:
        baseline.stop()
    print(row(f"baseline: runserver, {args.concurrency} clients", dev))

    # the sustained figure is the server's capacity: no threads held back, no shedding
    unshed = {**env, "PORTLINE_ADMISSION_STAFF_RESERVE": "0"}
    server = production_server(
        args.port, unshed, work / "serve.log", workers=args.workers, threads=args.threads
    )
    try:
        warm(args.port, chunks)
        sustained = asyncio.run(
            closed_loop(
                args.port,
                request_maker(itertools.islice(chunks, int(args.duration * 2500))),
                concurrency=args.concurrency,
                duration=args.duration,
            )
        )
    finally:
        server.stop()
    rate = sustained.count(200, 201) / sustained.elapsed
    print(
        row(f"portline serve {args.workers}x{args.threads}, {args.concurrency} clients", sustained)
    )
    target = (
        "MET"
        if rate >= 800
        and sustained.percentile(95) <= 0.15
        and not sustained.server_errors()
        and not sustained.count(503)
        else "NOT MET"
    )
    print(f"  sustained target (>= 800 writes/s, p95 <= 150 ms, no 5xx): {target}")

    surge_rate = args.surge_factor * rate
    admission = {**env, "PORTLINE_ADMISSION_RATE": str(max(1, int(rate / args.workers)))}
    server = production_server(
        args.port, admission, work / "serve-surge.log", workers=args.workers, threads=args.threads
    )
    proxy = None
    try:
        target_port = args.port
        if not args.surge_direct:
            # nginx admits at most the applicant threads of all processes at once and answers
            # the rest itself (deploy/nginx/portline.conf): nothing waits in gunicorn's queue
            reserve = int(env.get("PORTLINE_ADMISSION_STAFF_RESERVE", "2"))
            inflight = args.workers * max(1, args.threads - reserve)
            proxy = Nginx(args.port + 2, [args.port], inflight=inflight, env=env, work=work)
            target_port = args.port + 2
        warm(target_port, chunks)
        surge = asyncio.run(
            open_loop(
                target_port,
                request_maker(chunks),
                rate=surge_rate,
                duration=args.surge_duration,
                max_connections=args.max_connections,
            )
        )
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()
    offered = (surge.answered + surge.errors) / surge.elapsed
    path = "direct" if args.surge_direct else f"through nginx, in flight <= {inflight}"
    print(
        row(
            f"surge: {args.surge_factor:g}x = {surge_rate:.0f}/s due, {offered:.0f}/s offered",
            surge,
        )
        + f"  429 {surge.count(429)}  ({path})"
    )
    written = surge.count(200, 201)
    told = surge.told_to_retry
    other = surge.answered - written - told
    print(
        f"  written {written}, told when to retry {told}, other answers {other}, no answer {surge.errors}"
    )
    ok = (
        not surge.server_errors()
        and other == 0
        and surge.errors == 0
        and surge.percentile(95) <= 1.0
    )
    print(
        f"  surge target (no 5xx, written or told, p95 <= 1 s): {'MET' if ok else 'NOT MET'}"
        " (and nothing lost: below)"
    )
    return [dev, sustained, surge]


def _report_lost(outcomes) -> None:
    from portline.registrations.models import AppointmentRequest

    acknowledged = set().union(*(set(outcome.acknowledged) for outcome in outcomes))
    stored = set(AppointmentRequest.objects.values_list("idempotency_key", flat=True))
    missing = acknowledged - stored
    print(
        f"  acknowledged writes {len(acknowledged)}, found in the database {len(acknowledged) - len(missing)}, missing {len(missing)}"
    )


if __name__ == "__main__":
    main()
