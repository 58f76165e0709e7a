"""Start `portline serve` and `portline worker` as real processes against the test database.

PostgreSQL: the processes use the test database itself (tests are transactional, so what
they seed is committed). SQLite: the in-memory test database is copied to a file with
SQLite's backup API and the processes use that file; results are read back from it.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]
PORTLINE = str(Path(sys.executable).parent / "portline")


@dataclass
class LiveDatabase:
    env: dict[str, str]
    sqlite_file: Path | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)

    def scalar(self, sql: str, params: tuple = ()) -> object:
        if self.sqlite_file is not None:
            with sqlite3.connect(self.sqlite_file) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchone()[0]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.sqlite_file is not None:
            with sqlite3.connect(self.sqlite_file) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def command(
        self, *args: str, timeout: float = 60, extra_env=None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own entry point
            [PORTLINE, *args],
            env={**self.env, **(extra_env or {})},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str, log: Path, extra_env=None) -> subprocess.Popen:
        with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(  # noqa: S603 - our own entry point
                [PORTLINE, *args],
                env={**self.env, **(extra_env or {})},
                cwd=REPO,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # kill -9 reaches the master and its workers
            )
        self.processes.append(process)
        return process

    def serve(self, port: int, *, log: Path, workers: int = 2, extra_env=None) -> subprocess.Popen:
        process = self.start(
            "serve",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            "8",
            "--no-collectstatic",
            log=log,
            extra_env=extra_env,
        )
        wait_for(port, "/healthz", log=log)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            kill9(process)
        self.processes.clear()


def live_database(tmp_path: Path) -> LiveDatabase:
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "PORTLINE_VAR_DIR": str(tmp_path / "var"),
        "PORTLINE_LOG_FORMAT": "json",
        "PORTLINE_LOG_LEVEL": "WARNING",
        "PORTLINE_WORKER_STALE_SECONDS": "3",
        "PYTHONPATH": str(REPO),  # the worker finds tests.ops.tasks
    }
    (tmp_path / "var").mkdir(exist_ok=True)
    if connection.vendor == "sqlite":
        target = tmp_path / "var" / "portline.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        env["DATABASE_URL"] = ""
        database = LiveDatabase(env=env, sqlite_file=target)
    else:
        user, host, port = settings_dict["USER"], settings_dict["HOST"], settings_dict["PORT"]
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
        database = LiveDatabase(env=env)
    created = database.command("manage", "createcachetable")
    assert created.returncode == 0, created.stderr
    return database


def kill9(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def wait_for(port: int, path: str, *, log: Path | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _body = request(port, "GET", path, timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(
        f"nothing answered on {port}{path}: {log.read_text()[-2000:] if log else ''}"
    )


def request(port, method, path, body=None, headers=None, timeout=10.0) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body) if body is not None else None
        conn.request(
            method,
            path,
            body=payload,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {"raw": raw[:200].decode(errors="replace")}
        return response.status, data
    finally:
        conn.close()
