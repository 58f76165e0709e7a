"""Scheduled allocation work (django-tasks, database backend; run by `portline worker`).

`portline lottery tick --enqueue` (from cron, every few minutes) queues `allocation_tick`;
the worker then freezes the round of the window that just closed and draws every round whose
beacon value has been entered. Running it more often than needed is harmless.
"""

from __future__ import annotations

from django_tasks import task


@task()
def allocation_tick(beacon_source: str = "drand") -> dict[str, list[str]]:
    from portline.allocation.services import rounds_tick

    return rounds_tick(actor=None, beacon_source=beacon_source)


@task()
def allocation_answer(round_date: str) -> int:
    """Queued by each draw: mark its unlisted requests "not selected"."""
    import datetime as dt

    from portline.allocation.services import round_answer_requests

    return round_answer_requests(actor=None, round_date=dt.date.fromisoformat(round_date))
