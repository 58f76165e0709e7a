"""Operations: worker heartbeats, re-queueing work a dead worker left behind, backups.

These change only infrastructure rows (the heartbeat table, the task queue), never domain
records, so they write no audit rows; what they do is logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from portline.common import clock
from portline.common.errors import ApplicationError
from portline.ops.models import EffectDone, WorkerHeartbeat

logger = logging.getLogger(__name__)

MAX_TASK_ATTEMPTS = 3  # a task that took down three workers is marked failed, not retried


class WorkerLost(Exception):
    """The worker running a task stopped answering (killed, machine lost)."""


def heartbeat_beat(*, worker_id: str, hostname: str, pid: int, started_at: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": hostname,
            "pid": pid,
            "started_at": started_at,
            "seen_at": clock.now(),
        },
    )


def heartbeat_remove(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def tasks_requeue_orphaned(*, at: dt.datetime | None = None) -> tuple[int, int]:
    """Tasks RUNNING under a worker whose heartbeat is stale go back to READY (every task is
    a sweep that is safe to run again), or to FAILED after MAX_TASK_ATTEMPTS workers.
    Returns (requeued, failed)."""
    now = at or clock.now()
    stale_before = now - dt.timedelta(seconds=settings.PORTLINE_WORKER_STALE_SECONDS)
    live = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=stale_before).values_list(
            "worker_id", flat=True
        )
    )
    requeued = failed = 0
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=stale_before
    )
    for task_id, worker_ids in running.values_list("id", "worker_ids"):
        if worker_ids and worker_ids[-1] in live:
            continue
        with transaction.atomic():
            still = DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING)
            if len(worker_ids or []) >= MAX_TASK_ATTEMPTS:
                changed = still.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                    traceback=f"{len(worker_ids)} workers stopped while running this task",
                )
                failed += changed
            else:
                changed = still.update(status=TaskResultStatus.READY, started_at=None)
                requeued += changed
        if changed:
            logger.warning(
                "task %s: its worker is gone; %s",
                task_id,
                "failed" if len(worker_ids or []) >= MAX_TASK_ATTEMPTS else "queued again",
            )
    return requeued, failed


def once(*, key: str, effect: Callable[[], object]) -> bool:
    """Carry out `effect` (an e-mail, an SMS) unless `key` says it was done; record it after.
    A task run twice sends nothing twice; a crash between the effect and its record can
    repeat that one effect (at least once, never silently dropped). Returns whether it ran."""
    if EffectDone.objects.filter(key=key).exists():
        return False
    effect()
    EffectDone.objects.get_or_create(key=key, defaults={"done_at": clock.now()})
    return True


# Backups -----------------------------------------------------------------------------------

BACKUP_FORMAT = 1


class BackupError(ApplicationError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_command(
    program: str, config: dict[str, Any], *args: str
) -> tuple[list[str], dict[str, str]]:
    """The client program with a libpq connection string; the password (if any) goes in the
    child's own small environment, never on its command line."""
    path = shutil.which(program)
    if path is None:
        raise BackupError(f"{program} is not installed (Debian: postgresql-client).")
    parts = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "dbname": config.get("NAME"),
    }
    conninfo = " ".join(f"{key}={value}" for key, value in parts.items() if value)
    child_env = {"PGCONNECT_TIMEOUT": str(settings.PORTLINE_DB_TIMEOUT_SECONDS)}
    if config.get("PASSWORD"):
        child_env["PGPASSWORD"] = str(config["PASSWORD"])
    return [path, *args, f"--dbname={conninfo}"], child_env


def _run(command: list[str], *, env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed program, our arguments
    if done.returncode:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")


def backup_create(*, destination: Path, alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write a consistent copy of the database and the private files into `destination`
    (a new folder): PostgreSQL with pg_dump (custom format), SQLite with its online backup
    API (the servers may keep running). A manifest records sizes and SHA-256 sums."""
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty; choose a new folder.")
    destination.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    config = connection.settings_dict
    if connection.vendor == "postgresql":
        database_file = destination / "database.pgdump"
        command, child_env = _pg_command(
            "pg_dump",
            config,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={database_file}",
        )
        _run(command, env=child_env)
    elif connection.vendor == "sqlite":
        database_file = destination / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(database_file)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"No backup method for {connection.vendor}.")
    files = destination / "private-files.tar.gz"
    private = Path(settings.MEDIA_ROOT)
    with tarfile.open(files, "w:gz") as archive:
        if private.exists():
            archive.add(private, arcname="private")
    recorder = MigrationRecorder(connection)
    manifest = {
        "format": BACKUP_FORMAT,
        "engine": connection.vendor,
        "created_at": clock.now().isoformat(),
        "migrations_applied": recorder.migration_qs.count(),
        "files": {
            path.name: {"bytes": path.stat().st_size, "sha256": _sha256(path)}
            for path in (database_file, files)
        },
    }
    (destination / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    logger.info("backup written: %s (%s)", destination, connection.vendor)
    return manifest


def backup_read(source: Path) -> dict[str, Any]:
    """The manifest, after checking every file against its SHA-256."""
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} has no readable manifest.json: {exc}") from exc
    if manifest.get("format") != BACKUP_FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, meta in manifest["files"].items():
        path = source / name
        if not path.exists() or _sha256(path) != meta["sha256"]:
            raise BackupError(f"{name} is missing or damaged (SHA-256 differs from the manifest).")
    return manifest


def backup_restore(
    *, source: Path, alias: str = DEFAULT_DB_ALIAS, replace: bool = False
) -> dict[str, Any]:
    """Restore a backup into the configured database (which must be empty unless `replace`)
    and its private files into MEDIA_ROOT. Stop the servers and workers first."""
    manifest = backup_read(source)
    connection = connections[alias]
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"This backup is of {manifest['engine']}; the target database is {connection.vendor}."
        )
    tables = connection.introspection.table_names()
    if tables and not replace:
        raise BackupError("The target database is not empty; pass --replace to overwrite it.")
    config = connection.settings_dict
    if connection.vendor == "postgresql":
        connection.close()
        options = ["--no-owner", "--no-privileges", "--exit-on-error"]
        if replace:
            options += ["--clean", "--if-exists"]
        command, child_env = _pg_command("pg_restore", config, *options)
        _run([*command, str(source / "database.pgdump")], env=child_env)
    else:
        connection.ensure_connection()
        origin = sqlite3.connect(source / "database.sqlite3")
        try:
            origin.backup(connection.connection)
        finally:
            origin.close()
    private = Path(settings.MEDIA_ROOT)
    if replace and private.exists():
        shutil.rmtree(private)
    with (
        tempfile.TemporaryDirectory() as scratch,
        tarfile.open(source / "private-files.tar.gz", "r:gz") as archive,
    ):
        archive.extractall(scratch, filter="data")
        if (Path(scratch) / "private").exists():
            shutil.copytree(Path(scratch) / "private", private, dirs_exist_ok=True)
    logger.info("backup restored from %s", source)
    return manifest
