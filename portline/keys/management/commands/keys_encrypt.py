from django.core.management.base import BaseCommand, CommandError

from portline.common.errors import ApplicationError
from portline.keys.selectors import keys_check
from portline.keys.services import keys_encrypt


class Command(BaseCommand):
    help = "Encrypt values and files stored in plaintext (before encryption, or from an old backup); resumable."

    def handle(self, *args, **options):
        try:
            keys_check()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        result = keys_encrypt()
        self.stdout.write(
            f"keys encrypt: {result.values} values and {result.files} files encrypted"
        )
