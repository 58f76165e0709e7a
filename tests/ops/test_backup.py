"""Restore drill: back up a database with a drawn round, restore it into an empty one, and
check the copy with `portline lottery verify`, the audit log's append-only check and
`portline audit verify` (the hash chain).
"""

from __future__ import annotations

import datetime as dt
import io
import os

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from portline.audit.models import AuditRecord
from portline.common import clock
from portline.ops.services import BackupError, backup_create, backup_read, backup_restore
from tests.allocation.conftest import LOCAL_VALUE
from tests.factories.allocation import RequestSpec, make_requests
from tests.ops.live import LiveDatabase

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AUDIT_CHECK = """
from django.db import DatabaseError, transaction
from portline.audit.models import AuditRecord
count = AuditRecord.objects.count()
try:
    with transaction.atomic():
        AuditRecord.objects.update(action="tampered")
    print("MUTABLE", count)
except DatabaseError:
    print("APPEND-ONLY", count)
"""


def _cli(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _empty_target(tmp_path):
    """An empty database of the same kind: a new SQLite file, or a new PostgreSQL database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "PORTLINE_LOG_LEVEL": "WARNING",
    }
    env["PORTLINE_VAR_DIR"] = str(tmp_path / "restored")
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = ""
        live = LiveDatabase(env=env, sqlite_file=tmp_path / "restored" / "portline.sqlite3")
        return live, None
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_restore"[:63]
    admin = f"host={settings_dict['HOST']} port={settings_dict['PORT']} user={settings_dict['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{name}"
    )
    return LiveDatabase(env=env), (admin, name)


def test_restore_drill_ends_with_lottery_verify_and_the_audit_check(tmp_path):
    round_date = clock.now().date() - dt.timedelta(days=2)
    make_requests(round_date, [RequestSpec(size=1 + i % 3) for i in range(30)])
    day = round_date.isoformat()
    _cli("lottery_freeze", day, "--beacon", "local")
    _cli("lottery_beacon", day, LOCAL_VALUE, "--local")
    assert "drawn" in _cli("lottery_run", day)
    audit_rows = AuditRecord.objects.count()
    backup = tmp_path / "backup"
    manifest = backup_create(destination=backup)
    assert manifest["engine"] == connection.vendor
    with pytest.raises(BackupError):
        backup_create(destination=backup)  # never over an earlier backup
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(source=backup)  # never over a database with data

    target, dropper = _empty_target(tmp_path)
    try:
        restored = target.command("restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        verify = target.command("lottery", "verify", day)
        assert verify.returncode == 0 and verify.stdout.startswith("MATCH"), (
            verify.stdout + verify.stderr
        )
        audit = target.command("shell", "-c", AUDIT_CHECK)
        assert audit.stdout.split()[-2:] == ["APPEND-ONLY", str(audit_rows)], (
            audit.stdout + audit.stderr
        )
        chain = target.command("audit", "verify")  # the hash chain, on the restored copy
        assert chain.returncode == 0 and chain.stdout.startswith(f"OK {audit_rows} events"), (
            chain.stdout + chain.stderr
        )
    finally:
        if dropper is not None:
            admin, name = dropper
            with psycopg.connect(admin, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_damaged_backup_is_refused_before_anything_is_restored(tmp_path):
    backup = tmp_path / "backup"
    backup_create(destination=backup)
    database = next(p for p in backup.iterdir() if p.name.startswith("database."))
    database.write_bytes(database.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(BackupError, match="damaged"):
        backup_read(backup)
