from django.core.management.base import BaseCommand, CommandError

from portline.common.errors import ApplicationError
from portline.keys.selectors import keys_check


class Command(BaseCommand):
    help = "Check that the configured key-encryption keys read the stored data (as serve and worker do at start-up)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all-files", action="store_true", help="check every stored file, not a sample"
        )

    def handle(self, *args, all_files, **options):
        try:
            keys_check(files=None if all_files else 50)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write("keys: the configured keys read the stored data")
