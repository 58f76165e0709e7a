from django.core.management.base import BaseCommand

from portline.audit.services import audit_chain_follow, audit_chain_pending
from portline.audit.tasks import audit_chain_tick


class Command(BaseCommand):
    help = "Chain every committed audit event not chained yet (the sequencer; --follow keeps chaining)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the work for `portline worker` instead of doing it here",
        )
        parser.add_argument(
            "--follow",
            action="store_true",
            help="keep running: chain whatever has committed, every --interval seconds",
        )
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between passes")

    def handle(self, *args, enqueue=False, follow=False, interval=0.2, **options):
        if enqueue:
            result = audit_chain_tick.enqueue()
            self.stdout.write(f"Queued audit chain tick {result.id}.")
            return
        if follow:
            try:
                audit_chain_follow(interval=interval)
            except KeyboardInterrupt:
                return
        chained = audit_chain_pending()
        self.stdout.write(f"Chained {chained} event(s).")
