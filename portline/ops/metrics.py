"""Prometheus metrics (prometheus-client), safe with several server processes and workers.

`portline serve` and `portline worker` point `PROMETHEUS_MULTIPROC_DIR` at
`PORTLINE_VAR_DIR/metrics` before this module is imported, so every process writes its own
file and `/metrics` adds them up. Queue depth and task age are read from the task table at
scrape time, so they are right however many workers run.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from portline.ops.metrics_dir import multiproc_active

REQUESTS = Counter(
    "portline_http_requests",
    "HTTP requests answered, by route group, method and status class.",
    ["group", "method", "status"],
)
LATENCY = Histogram(
    "portline_http_request_duration_seconds",
    "Time to answer, by route group.",
    ["group"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
)
INFLIGHT = Gauge(
    "portline_http_requests_in_flight", "Requests being answered now.", multiprocess_mode="livesum"
)
ADMISSION_TURNED_AWAY = Counter(
    "portline_admission_turned_away",
    "Requests turned away by admission control, by route group and reason (busy, rate, queue).",
    ["group", "reason"],
)
TASKS = Counter(
    "portline_tasks", "Background tasks finished, by task and outcome.", ["task", "status"]
)
TASK_WAIT = Histogram(
    "portline_task_wait_seconds",
    "From enqueue (or run_after) to start, by task.",
    ["task"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900),
)
TASK_DURATION = Histogram(
    "portline_task_duration_seconds",
    "Time to run a task, by task (allocation_tick: freeze and draw).",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300),
)

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def request_observe(*, group: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(group, method if method in _METHODS else "OTHER", f"{status // 100}xx").inc()
    LATENCY.labels(group).observe(seconds)


def process_dead(pid: int) -> None:
    if multiproc_active():
        multiprocess.mark_process_dead(pid)


class TaskQueueCollector:
    """Queue depth and the age of the oldest ready task, from the task table."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        from portline.common import clock

        depth = GaugeMetricFamily("portline_task_queue_depth", "Tasks ready to run.")
        oldest = GaugeMetricFamily(
            "portline_task_oldest_ready_seconds", "Age of the oldest ready task (0 if none)."
        )
        ready = DBTaskResult.objects.ready()
        depth.add_metric([], ready.count())
        first = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        oldest.add_metric([], (clock.now() - first).total_seconds() if first else 0.0)
        yield depth
        yield oldest


def exposition() -> bytes:
    """The text format for a scrape: every process's counters plus the queue gauges."""
    if multiproc_active():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        text = generate_latest(REGISTRY)
    queue = CollectorRegistry()
    queue.register(TaskQueueCollector())
    return text + generate_latest(queue)


def task_signals_connect() -> None:
    """In a worker: observe each task's wait and run time (django-tasks signals)."""
    from django_tasks.signals import task_finished

    task_finished.connect(_task_finished, dispatch_uid="portline.ops.metrics.task_finished")


def _task_finished(sender, task_result, **kwargs) -> None:
    task = task_result.task
    name = task.name
    TASKS.labels(name, str(getattr(task_result.status, "value", task_result.status)).lower()).inc()
    due = max(filter(None, [task_result.enqueued_at, task.run_after]), default=None)
    if task_result.started_at and due:
        TASK_WAIT.labels(name).observe(max(0.0, (task_result.started_at - due).total_seconds()))
    if task_result.started_at and task_result.finished_at:
        TASK_DURATION.labels(name).observe(
            (task_result.finished_at - task_result.started_at).total_seconds()
        )
