"""Readiness: can this process serve? (database, migrations, a live task worker)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from portline.common import clock
from portline.ops.models import WorkerHeartbeat

_migrations_seen_applied = False  # once true in a process it stays true


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(value == "ok" for value in self.checks.values())


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[
        :200
    ]


def workers_alive(*, at: dt.datetime | None = None) -> int:
    since = (at or clock.now()) - dt.timedelta(seconds=settings.PORTLINE_WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=since).count()


def readiness_check() -> Readiness:
    global _migrations_seen_applied
    result = Readiness()
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        result.checks["database"] = "ok"
    except Exception as exc:  # any failure to reach it is "not ready", said plainly
        result.checks["database"] = _short(exc)
        result.checks["migrations"] = "unknown"
        result.checks["worker"] = "unknown"
        return result
    if not _migrations_seen_applied:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_seen_applied = not plan
        result.checks["migrations"] = (
            "ok" if not plan else f"{len(plan)} migration(s) not applied: run `portline migrate`"
        )
    else:
        result.checks["migrations"] = "ok"
    alive = workers_alive()
    result.checks["worker"] = (
        "ok"
        if alive
        else f"no task worker seen in {settings.PORTLINE_WORKER_STALE_SECONDS} s: start `portline worker`"
    )
    return result
