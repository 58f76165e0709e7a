from django.core.management.base import BaseCommand

from portline.common.encryption import kek_generate


class Command(BaseCommand):
    help = "Print a new random key-encryption key for PORTLINE_KEK (keep it outside the database and its backups)."

    def handle(self, *args, **options):
        self.stdout.write(kek_generate())
