"""Reads of public pages go to the read replica when one is configured.

`DATABASE_REPLICA_URL` adds a `replica` database. While a request for a public, read-only
path (settings.PORTLINE_REPLICA_PATHS: round pages and exports, statistics) runs, every
read goes there; writes, and everything else, stay on `default`. Without a replica this
router changes nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "portline_replica_reads", default=False
)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Inside this block reads use the replica, if there is one."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_path(path: str) -> bool:
    return path.startswith(tuple(settings.PORTLINE_REPLICA_PATHS))


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _replica_reads.get() and "replica" in settings.DATABASES:
            return "replica"
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of default: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
