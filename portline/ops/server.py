"""The production application server: gunicorn with threads (gthread), embedded.

Measured here (see docs/deployment.md): gunicorn's gthread workers were stable under kill -9
and surges, work with PostgreSQL's connection pool and SQLite's WAL mode, and have the
process hooks prometheus-client needs to add up several processes' metrics.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from portline.ops import metrics


def _child_exit(server, worker) -> None:
    metrics.process_dead(worker.pid)


class PortlineLogger(glogging.Logger):
    """gunicorn's own messages go through Portline's logging (JSON, redaction), once."""

    def setup(self, cfg) -> None:
        self.cfg = cfg
        self._access_log_enabled = False  # portline.access logs each request
        self.loglevel = self.LOG_LEVELS.get(cfg.loglevel.lower(), logging.INFO)
        self.error_log.setLevel(self.loglevel)


class PortlineServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("child_exit", _child_exit)

    def load(self):
        # In each worker process after the fork: database pools are per process.
        from django.core.wsgi import get_wsgi_application
        from django.urls import get_resolver

        application = get_wsgi_application()
        # Import every view now (about 4 s here: the API schemas, the map renderer), before
        # this process accepts connections, not during its first requests.
        get_resolver().url_patterns  # noqa: B018 - evaluated for its side effect
        return application


def server_options(*, bind: str, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": [bind],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "backlog": 2048,
        "timeout": 30,  # a request stuck this long is a bug: the worker is replaced
        "graceful_timeout": 20,
        "keepalive": 5,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": None,  # portline.access writes one redacted JSON line per request
        "errorlog": "-",
        "logger_class": PortlineLogger,
        "control_socket_disable": True,  # several servers run side by side
        "loglevel": "info",
        "proc_name": "portline",
        "preload_app": False,
        "forwarded_allow_ips": "127.0.0.1,::1",
    }
