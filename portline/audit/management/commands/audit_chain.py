from django.core.management.base import BaseCommand

from portline.audit.services import audit_chain_pending
from portline.audit.tasks import audit_chain_tick


class Command(BaseCommand):
    help = "Chain every committed audit event not chained yet (the sequencer; run it every minute as a safety net)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the work for `portline worker` instead of doing it here",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = audit_chain_tick.enqueue()
            self.stdout.write(f"Queued audit chain tick {result.id}.")
            return
        chained = audit_chain_pending()
        self.stdout.write(f"Chained {chained} event(s).")
