from django.core.management.base import BaseCommand, CommandError

from portline.common.errors import ApplicationError
from portline.keys.selectors import keys_check
from portline.keys.services import keys_rotate


class Command(BaseCommand):
    help = (
        "Re-wrap every data key under the current PORTLINE_KEK (the old key in "
        "PORTLINE_KEK_PREVIOUS meanwhile); resumable; the old key is retired when done."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000, help="values per transaction")
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="stop after re-wrapping this many values and files (run again to go on)",
        )

    def handle(self, *args, batch, limit, **options):
        try:
            keys_check()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None

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
