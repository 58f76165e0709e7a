"""Audit work for `portline worker` (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task


@task()
def audit_chain_tick() -> int:
    """Chain every committed audit event not chained yet (the sequencer). Queued when a
    writer's own post-commit pass hands over under a steady stream of writes; schedule it
    too (`portline audit chain --enqueue` every minute) as a safety net."""
    from portline.audit.services import audit_chain_pending

    return audit_chain_pending()
