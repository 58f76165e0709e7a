"""Background work for statistics (django-tasks, database backend; run by `portline worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def simulation_run_task(run_id: int) -> str:
    """Run a queued simulation; running it twice does nothing the second time."""
    from portline.stats.services import simulation_run

    return simulation_run(run_id=run_id)
