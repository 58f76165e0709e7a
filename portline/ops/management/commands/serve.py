from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from config.env import env
from portline.common.errors import ApplicationError
from portline.keys.selectors import keys_check


class Command(BaseCommand):
    requires_system_checks = []  # run below, after prometheus-client's folder is set
    help = "Serve Portline with the production server (gunicorn, threads); --dev: Django's autoreloading server."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--dev",
            action="store_true",
            help="Django's development server with the autoreloader (never in production)",
        )
        parser.add_argument(
            "--workers", type=int, default=env("PORTLINE_WEB_WORKERS"), help="server processes"
        )
        parser.add_argument(
            "--threads", type=int, default=env("PORTLINE_WEB_THREADS"), help="threads per process"
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="skip collecting static files (already done by the deployment)",
        )

    def handle(self, *args, addrport, dev, workers, threads, no_collectstatic, **options):
        try:  # a missing, wrong or retired key refuses to start, before anything is written
            keys_check()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        # No connection or pool (and its threads) may cross gunicorn's fork.
        for connection in connections.all(initialized_only=True):
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        if dev:
            if not settings.DEBUG and not no_collectstatic:  # hashed static names need the manifest
                call_command("collectstatic", interactive=False, verbosity=0)
            call_command("runserver", addrport, use_reloader=True)
            return
        if not addrport.rpartition(":")[0]:
            addrport = f"127.0.0.1:{addrport}"
        from portline.ops.metrics_dir import multiproc_dir_prepare

        # before any worker imports prometheus_client: one metrics file per process
        multiproc_dir_prepare(settings.VAR_DIR / "metrics")
        self.check()
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        from portline.ops.server import PortlineServer, server_options

        self.stdout.write(
            f"portline serve: gunicorn on http://{addrport} ({workers} x {threads} threads)"
        )
        self.stdout.flush()
        PortlineServer(server_options(bind=addrport, workers=workers, threads=threads)).run()
