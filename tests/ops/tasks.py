"""A task for the worker crash test: takes a while, then answers."""

import time

from django_tasks import task


@task()
def slow_answer(seconds: float) -> str:
    time.sleep(seconds)
    return "done"
