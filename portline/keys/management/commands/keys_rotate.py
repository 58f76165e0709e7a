from django.core.management.base import BaseCommand, CommandError

from portline.common.encryption import keyring
from portline.common.errors import ApplicationError
from portline.keys.selectors import file_key_ids, keys_check, value_key_ids
from portline.keys.services import keys_rotate


class Command(BaseCommand):
    help = (
        "Re-wrap every data key under the current PORTLINE_KEK (the old key in "
        "PORTLINE_KEK_PREVIOUS meanwhile); resumable; the old key is retired when done."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be re-wrapped; write nothing"
        )
        parser.add_argument("--batch", type=int, default=1000, help="values per transaction")
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="stop after re-wrapping this many values and files (run again to go on)",
        )

    def handle(self, *args, batch, limit, dry_run, **options):
        try:
            keys_check()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        if dry_run:
            current = keyring().current_id.hex()
            for label, counts in (("values", value_key_ids()), ("files", file_key_ids())):
                waiting = sum(n for kid, n in counts.items() if kid not in {current, "plaintext"})
                self.stdout.write(f"keys rotate (dry run): {waiting} {label} to re-wrap")
            return

        def progress(done: int) -> None:
            self.stdout.write(f"keys rotate: {done} re-wrapped")

        result = keys_rotate(batch=batch, limit=limit, progress=progress)
        self.stdout.write(
            f"keys rotate: {result.values} values and {result.files} files re-wrapped; "
            f"{result.remaining} left under previous keys"
        )
        for name in result.skipped_files:
            self.stderr.write(f"keys rotate: cannot re-wrap {name} (not encrypted or altered)")
        if result.finished:
            retired = ", ".join(result.retired) or "none configured"
            self.stdout.write(
                f"keys rotate: finished; retired key id(s): {retired}. "
                "Remove PORTLINE_KEK_PREVIOUS and restart."
            )
        else:
            self.stdout.write("keys rotate: not finished; run it again to resume")
