"""Figure: what one appointment request (POST /api/v1/requests) costs in one process.

Statements sent to the database (Django's CaptureQueriesContext) and CPU milliseconds per
request (time.process_time, this process only: PostgreSQL's own CPU is not in it), through
Django's test client with the whole middleware stack (the product's settings with
service_write_floor.py's two extra endpoints, for --endpoint floor or noop), a bearer token and PostgreSQL, the
audit chain's post-commit pass off as in production (docs/audit.md). --profile prints
cProfile's top functions by cumulative time.

    .venv/bin/python benchmarks/service_write_profile.py --database-url postgres://postgres@127.0.0.1:5432/portline_prof
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from service_load import django_setup, fresh_database, seed_applicants
from service_writes import point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/portline_prof"
    )
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument(
        "--endpoint",
        choices=("real", "floor", "noop"),
        default="real",
        help="POST /api/v1/requests, or service_write_floor.py's /api/floor/write or /noop",
    )
    parser.add_argument("--show-sql", action="store_true", help="print one request's statements")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portline-profile-"))
    env = fresh_database(args.database_url, work / "var")
    os.environ["PORTLINE_AUDIT_CHAIN_AFTER_COMMIT"] = "0"
    env["DJANGO_SETTINGS_MODULE"] = "write_floor_settings"  # the product's, plus /api/floor/
    django_setup(env)

    import json
    import uuid

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from write_floor_urls import CREATE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
    path = {"real": "/api/v1/requests", "floor": "/api/floor/write", "noop": "/api/floor/noop"}[
        args.endpoint
    ]
    pairs = seed_applicants(users=20, registrations=args.requests + 50)
    client = Client(REMOTE_ADDR="127.0.0.2", HTTP_HOST="127.0.0.1")

    def post(reference: str, token: str) -> int:
        body = {"registration": reference, "first_port": "SYS"}
        body.update(point(int(reference.removeprefix("BENCH"))))
        answer = client.post(
            path,
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        )
        return answer.status_code

    for reference, token in pairs[:50]:  # warm: imports, shapes, connection
        status = post(reference, token)
        assert status == 201, status
    measured = pairs[50:]
    with CaptureQueriesContext(connection) as queries:
        post(*measured[0])
    statements = [query["sql"] for query in queries.captured_queries]
    if args.show_sql:
        for sql in statements:
            print(sql[:160])
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    cpu_each = []
    wall = time.perf_counter()
    for reference, token in measured[1:]:
        began = time.process_time()
        status = post(reference, token)
        cpu_each.append(time.process_time() - began)
        assert status == 201, status
    wall = time.perf_counter() - wall
    if profiler:
        profiler.disable()
    n = len(cpu_each)
    # The median: on a shared machine a neighbour's bursts inflate some requests' CPU time.
    print(
        f"statements per request: {len(statements)}; CPU per request: median "
        f"{statistics.median(cpu_each) * 1000:.2f} ms, mean {sum(cpu_each) / n * 1000:.2f} ms; "
        f"wall {wall / n * 1000:.2f} ms ({n} requests)"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
