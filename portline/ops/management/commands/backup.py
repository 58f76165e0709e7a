from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portline.ops.services import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump / SQLite online backup) and the private files into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="a new (or empty) folder")

    def handle(self, *args, destination, **options):
        try:
            manifest = backup_create(destination=Path(destination))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name, meta in manifest["files"].items():
            self.stdout.write(f"  {name}: {meta['bytes']} bytes, sha256 {meta['sha256'][:16]}…")
        self.stdout.write(f"Backup of {manifest['engine']} written to {destination}.")
