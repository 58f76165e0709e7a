import os
import secrets
import socket
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker

from portline.common import clock
from portline.common.errors import ApplicationError
from portline.keys.selectors import keys_check


class Command(BaseCommand):
    requires_system_checks = []  # run below, after prometheus-client's folder is set
    help = "Run a background task worker (django-tasks, database backend) with a heartbeat; re-queues tasks a dead worker left running."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument("--batch", action="store_true", help="run what is ready, then exit")
        parser.add_argument(
            "--heartbeat", type=float, default=5.0, help="seconds between heartbeats"
        )

    def handle(self, *args, interval, batch, heartbeat, **options):
        try:  # a missing, wrong or retired key refuses to start, before anything is written
            keys_check()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        from portline.ops.metrics_dir import multiproc_dir_prepare

        multiproc_dir_prepare(settings.VAR_DIR / "metrics")
        self.check()
        from portline.ops import metrics

        metrics.task_signals_connect()
        from portline.ops.services import heartbeat_beat, heartbeat_remove, tasks_requeue_orphaned

        hostname = socket.gethostname()
        worker_id = f"{hostname[:40]}-{os.getpid()}-{secrets.token_hex(3)}"
        started = clock.now()
        stop = threading.Event()

        def beat() -> None:
            heartbeat_beat(
                worker_id=worker_id, hostname=hostname, pid=os.getpid(), started_at=started
            )
            requeued, failed = tasks_requeue_orphaned()
            if requeued or failed:
                self.stdout.write(f"re-queued {requeued} task(s) of a lost worker; {failed} failed")

        def beating() -> None:
            while not stop.wait(heartbeat):
                try:
                    beat()
                except Exception as exc:  # the database may be restarting: say so, keep beating
                    self.stderr.write(f"heartbeat failed: {type(exc).__name__}: {exc}")
                finally:
                    connection.close()

        beat()
        thread = threading.Thread(target=beating, name="portline-heartbeat", daemon=True)
        thread.start()
        self.stdout.write(f"portline worker {worker_id}: polling every {interval} s")
        self.stdout.flush()
        runner = Worker(
            queue_names=["default"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        runner.configure_signals()
        try:
            runner.run()
        finally:
            stop.set()
            thread.join(timeout=heartbeat + 1)
            heartbeat_remove(worker_id=worker_id)
