from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portline.ops.services import BackupError, backup_read, backup_restore


class Command(BaseCommand):
    help = "Restore a `portline backup` folder into the configured database (stop servers and workers first)."

    def add_arguments(self, parser):
        parser.add_argument("source", help="a folder written by `portline backup`")
        parser.add_argument(
            "--replace", action="store_true", help="overwrite a database that is not empty"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="only check the backup's files against its manifest",
        )

    def handle(self, *args, source, replace, dry_run, **options):
        try:
            if dry_run:
                manifest = backup_read(Path(source))
                self.stdout.write(
                    f"Backup of {manifest['engine']} from {manifest['created_at']}: files intact."
                )
                return
            manifest = backup_restore(source=Path(source), replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the {manifest['engine']} backup of {manifest['created_at']}. "
            "Next: `portline migrate` (if the code is newer), `portline lottery verify DATE`."
        )
