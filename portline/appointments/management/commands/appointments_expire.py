from django.core.management.base import BaseCommand

from portline.appointments.services import appointments_expire_due


class Command(BaseCommand):
    help = "Expire offered appointments whose confirmation deadline has passed and give their places to standby."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would expire; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        ids = appointments_expire_due(actor=None, dry_run=dry_run)
        verb = "Would expire" if dry_run else "Expired"
        self.stdout.write(f"{verb} {len(ids)} appointment(s).")
        for pk in ids:
            self.stdout.write(f"  appointment {pk}")
