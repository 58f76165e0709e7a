from django.core.management.base import BaseCommand, CommandError

from portline.common.errors import ApplicationError
from portline.keys.selectors import file_key_ids, keys_check, value_key_ids
from portline.keys.services import keys_encrypt


class Command(BaseCommand):
    help = "Encrypt values and files stored in plaintext (before encryption, or from an old backup); resumable."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be encrypted; write nothing"
        )

    def handle(self, *args, dry_run, **options):
        try:
            keys_check()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        if dry_run:
            values, files = value_key_ids()["plaintext"], file_key_ids()["plaintext"]
            self.stdout.write(
                f"keys encrypt (dry run): {values} values and {files} files in plaintext"
            )
            return
        result = keys_encrypt()
        self.stdout.write(
            f"keys encrypt: {result.values} values and {result.files} files encrypted"
        )
