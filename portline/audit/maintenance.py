"""Suspend the audit table's append-only triggers for a database flush.

Only the test suite uses this (transactional tests empty every table between tests). The
triggers guard against the application rewriting history; an operator who can run DDL can
always remove them; a hash chain over the rows is what makes such a removal evident.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module


@contextmanager
def append_only_suspended(connection) -> Iterator[None]:
    migration = import_module("portline.audit.migrations.0004_unchained_journal")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER USER")
            else:
                for statement in migration.SQLITE:
                    cursor.execute(statement)
