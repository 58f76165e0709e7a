from django.core.management.base import BaseCommand

from portline.privacy.schedule import KINDS
from portline.privacy.services import retention_run
from portline.privacy.tasks import retention_task


class Command(BaseCommand):
    help = (
        "Apply the retention schedule: delete or reduce every record whose time is up "
        "(registrations under a legal hold are skipped)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what is due; change nothing"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the work for `portline worker` instead of doing it here",
        )

    def handle(self, *args, dry_run, enqueue, **options):
        if enqueue:
            result = retention_task.enqueue()
            self.stdout.write(f"Queued retention run {result.id}.")
            return
        run = retention_run(dry_run=dry_run, trigger="command")
        verb = "Due" if dry_run else "Done"
        for kind in KINDS:
            self.stdout.write(
                f"{kind.key:<24} {kind.days:>5} days  {verb.lower()}: {run.counts[kind.key]}"
            )
        self.stdout.write(
            f"{verb}: {run.total} record(s); {run.held} registration(s) under legal hold skipped."
        )
