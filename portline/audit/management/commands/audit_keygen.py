from django.core.management.base import BaseCommand

from portline.audit.signing import generate_seed


class Command(BaseCommand):
    help = "Print a new Ed25519 signing key for PORTLINE_AUDIT_SIGNING_KEY (keep it secret)."

    def handle(self, *args, **options):
        self.stdout.write(generate_seed())
