"""Background work for personal data protection (django-tasks, database backend; run by
`portline worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def retention_task() -> dict[str, int]:
    """`portline retention run --enqueue` (from cron, once a day) queues this: apply the
    retention schedule. Running it twice does nothing the second time."""
    from portline.privacy.services import retention_run

    return retention_run(trigger="task").counts
