"""Concurrent writers never fork the chain nor skip a number, on either database.

PostgreSQL: threads with their own connections write into the test database. SQLite: the
suite's in-memory database cannot show locking between connections, so a child process
migrates a file database and runs the same writers there (threads, one connection each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from portline.audit.models import AuditRecord
from portline.audit.selectors import audit_verify
from tests.audit.writers import hammer

ROOT = Path(__file__).resolve().parents[2]
THREADS, EVENTS = 8, 40


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL run of the suite only (DATABASE_URL=postgres://...)")
    before = AuditRecord.objects.count()
    errors = hammer(threads=THREADS, events=EVENTS)
    assert errors == []
    seqs = list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == before + THREADS * EVENTS
    assert seqs == list(range(1, len(seqs) + 1))  # no gaps, no duplicates
    report = audit_verify()
    assert report.ok, [f.line() for f in report.findings]


@pytest.mark.slow
def test_concurrent_writers_on_a_sqlite_file(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite run of the suite only")
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "PORTLINE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.audit.writers", str(THREADS), str(EVENTS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout)
    assert outcome["vendor"] == "sqlite" and outcome["transaction_mode"] == "IMMEDIATE"
    assert outcome["errors"] == []
    assert outcome["seqs"] == list(range(1, THREADS * EVENTS + 1))
    assert outcome["events"] == THREADS * EVENTS and outcome["findings"] == []
    assert (tmp_path / "portline.sqlite3").exists()


def test_the_migration_chains_rows_written_before_it(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "PORTLINE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.audit.migrate_existing"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout)
    assert outcome["rows"] == [[1, "old.thing.a"], [2, "old.thing.b"], [3, "old.thing.c"]]
    assert outcome["ok"], outcome["findings"]
    assert outcome["head"] == 3 and outcome["refused"]


def test_sqlite_without_immediate_transactions_is_refused():
    from portline.audit.apps import sqlite_problems

    deferred = {"ENGINE": "django.db.backends.sqlite3", "NAME": "x", "OPTIONS": {}}
    immediate = {**deferred, "OPTIONS": {"transaction_mode": "IMMEDIATE"}}
    assert [e.id for e in sqlite_problems({"default": deferred})] == ["audit.E001"]
    assert sqlite_problems({"default": immediate}) == []
