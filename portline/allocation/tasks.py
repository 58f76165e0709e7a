"""Allocation work queued by a draw (django-tasks, database backend; run by `portline worker`).

The scheduled step that freezes and draws rounds and offers their appointments is
`portline.appointments.tasks.allocation_tick`: offers belong to the appointments app, which
depends on this one.
"""

from __future__ import annotations

from django_tasks import task


@task()
def allocation_answer(round_date: str) -> int:
    """Queued by each draw: mark its unlisted requests "not selected"."""
    import datetime as dt

    from portline.allocation.services import round_answer_requests

    return round_answer_requests(actor=None, round_date=dt.date.fromisoformat(round_date))
