"""A database restart: clear answers within seconds while it is down, service after it.

The shared PostgreSQL must not be restarted, so this test starts a PostgreSQL cluster of its
own (initdb + pg_ctl as the postgres user, on a free port, in a temporary folder), copies the
test database into it with `portline backup`/`restore`, serves from it, stops it
(`pg_ctl stop -m immediate`, as a crash), and starts it again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from portline.accounts.services import api_token_create
from portline.ops.services import backup_create
from tests.conftest import open_window_all_day
from tests.factories import UserFactory
from tests.factories.appointments import TIJUANA, submitted_registration
from tests.ops.live import REPO, LiveDatabase, request
from tests.ports import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVER_PORT, CLUSTER_PORT = free_ports(2)


def _as_postgres(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed programs
        ["runuser", "-u", "postgres", "--", *args],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def own_cluster():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL restart (run with DATABASE_URL)")
    if not (PG_BIN / "initdb").exists() or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL's server binaries and root to run them as postgres")
    folder = Path(tempfile.mkdtemp(prefix="portline-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    made = _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    assert made.returncode == 0, made.stderr

    def start():
        started = _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(folder / "log"),
            "-o",
            f"-p {CLUSTER_PORT} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        assert started.returncode == 0, started.stderr + started.stdout

    def crash():
        stopped = _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        assert stopped.returncode == 0, stopped.stderr

    start()
    try:
        yield start, crash
    finally:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_requests_fail_fast_and_clearly_while_the_database_is_down(own_cluster, tmp_path):
    start, crash = own_cluster
    open_window_all_day()
    owner = UserFactory()
    references = [submitted_registration(owner=owner).reference for _ in range(3)]
    _token, raw = api_token_create(user=owner, name="restart")
    backup_create(destination=tmp_path / "backup")
    subprocess.run(  # noqa: S603
        [
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(CLUSTER_PORT),
            "-U",
            "postgres",
            "portline",
        ],
        check=True,
        timeout=30,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{CLUSTER_PORT}/portline",
        "PORTLINE_VAR_DIR": str(tmp_path / "var"),
        "PORTLINE_LOG_LEVEL": "WARNING",
        "PORTLINE_DB_TIMEOUT_SECONDS": "2",
        "PYTHONPATH": str(REPO),
    }
    live = LiveDatabase(env=env)
    restored = live.command("restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    log = tmp_path / "serve.log"

    def write(reference):
        return request(
            SERVER_PORT,
            "POST",
            "/api/v1/requests",
            {
                "registration": reference,
                "first_port": "SYS",
                "latitude": TIJUANA[0],
                "longitude": TIJUANA[1],
            },
            {"Authorization": f"Bearer {raw}", "Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        )

    try:
        live.serve(SERVER_PORT, log=log, workers=1)
        assert write(references[0])[0] == 201
        crash()
        for check in (
            lambda: request(SERVER_PORT, "GET", "/readyz", timeout=30),
            lambda: write(references[1]),
        ):
            began = time.monotonic()
            status, body = check()
            elapsed = time.monotonic() - began
            assert status == 503, body  # said plainly ...
            assert elapsed < 8, elapsed  # ... and soon: no hang
        assert body["error"]["code"] == "database_unavailable"
        start()
        deadline = time.monotonic() + 20
        while (status := write(references[1])[0]) != 201 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == 201, log.read_text()[-2000:]  # served again once it is back
    finally:
        live.stop_all()
