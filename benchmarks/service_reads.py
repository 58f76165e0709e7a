"""Figures: GET of an applicant's status page and of /api/v1/ports, requests per
second and p95 at concurrency 1, 8 and 64, `portline serve` beside Django's development
server (the baseline), same database, same run. Loopback only; the asyncio load generator
shares the machine's CPU with the servers.

The status page is /apply/r/<reference>/ for a logged-in applicant (second factor passed),
rendered from the database on every request.

    .venv/bin/python benchmarks/service_reads.py --database-url postgres://postgres@127.0.0.1:5432/portline_prod
    .venv/bin/python benchmarks/service_reads.py --duration 2     # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from service_load import (
    closed_loop,
    development_server,
    django_setup,
    fresh_database,
    http_request,
    production_server,
    row,
)


def applicant_session() -> tuple[str, str]:
    """A verified applicant session and their registration's reference."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portline.accounts.models import Role, User
    from portline.common import clock
    from portline.registrations.models import Person, Registration, RegistrationStatus

    user = User.objects.create_user(
        login="reader@example.org",
        email="reader@example.org",
        password="bench-password-12",  # noqa: S106 - a benchmark account on a scratch database
        role=Role.APPLICANT,
    )
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    now = clock.now()
    registration = Registration.objects.create(
        reference="READ00001",
        owner=user,
        created_by=user,
        status=RegistrationStatus.SUBMITTED,
        basis="safety",
        us_address_line1="1 Main St",
        us_city="Houston",
        us_state="TX",
        us_zip="77002",
        submitted_at=now,
    )
    Person.objects.create(
        registration=registration,
        position=1,
        given_names="Ana",
        family_names="Reader",
        date_of_birth="1990-05-17",
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key, registration.reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/portline_prod"
    )
    parser.add_argument("--port", type=int, default=8187)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=float, default=8, help="seconds per measurement")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portline-bench-"))
    env = fresh_database(args.database_url, work / "var")
    django_setup(env)
    session_key, reference = applicant_session()
    pages = {
        "status page": http_request(
            "GET",
            f"/apply/r/{reference}/",
            headers={"Cookie": f"sessionid={session_key}", "Accept-Language": "es"},
        ),
        "/api/v1/ports": http_request("GET", "/api/v1/ports", headers={}),
    }
    # concurrency 64 is past one process's threads: without a raised limit admission control
    # would (rightly) turn some away; the figure here is the server's own capacity
    env = {**env, "PORTLINE_WEB_THREADS": "1000"}
    servers = {
        "runserver (baseline)": lambda: development_server(
            args.port + 1, env, work / "runserver.log"
        ),
        f"portline serve {args.workers}x{args.threads}": lambda: production_server(
            args.port, env, work / "serve.log", workers=args.workers, threads=args.threads
        ),
    }
    for name, start in servers.items():
        server = start()
        try:
            for label, raw in pages.items():

                def make(raw=raw):
                    return raw, None

                asyncio.run(closed_loop(server.port, make, concurrency=4, duration=2))  # warm
                for concurrency in (1, 8, 64):
                    outcome = asyncio.run(
                        closed_loop(
                            server.port, make, concurrency=concurrency, duration=args.duration
                        )
                    )
                    bad = outcome.answered - outcome.count(200)
                    print(
                        row(f"{name}: {label} c={concurrency}", outcome)
                        + (f"  non-200 {bad}" if bad else "")
                    )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
