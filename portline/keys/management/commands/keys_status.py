from django.core.management.base import BaseCommand

from portline.common.encryption import keyring
from portline.keys.selectors import file_key_ids, value_key_ids


class Command(BaseCommand):
    help = "Count encrypted values and files by the key id that wraps them."

    def handle(self, *args, **options):
        ring = keyring()
        self.stdout.write(f"PORTLINE_KEK: key id {ring.current_id.hex()}")
        for kek_id in sorted(k.hex() for k in ring.ids - {ring.current_id}):
            self.stdout.write(f"PORTLINE_KEK_PREVIOUS: key id {kek_id}")
        for label, counts in (("values", value_key_ids()), ("files", file_key_ids())):
            for kid, count in sorted(counts.items()):
                self.stdout.write(f"{label}: {count} under {kid}")
