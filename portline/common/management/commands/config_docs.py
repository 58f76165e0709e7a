from pathlib import Path

from django.core.management.base import BaseCommand

from config.env import BASE_DIR, markdown_table


class Command(BaseCommand):
    help = "Write docs/configuration.md from config/env.py (or --check that it is current)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="exit 1 if the file is out of date"
        )

    def handle(self, *args, check, **options):
        path = Path(BASE_DIR) / "docs" / "configuration.md"
        text = markdown_table()
        if check:
            if not path.exists() or path.read_text() != text:
                self.stderr.write(
                    "docs/configuration.md is out of date: run `portline config docs`."
                )
                raise SystemExit(1)
            self.stdout.write("docs/configuration.md is current.")
            return
        path.write_text(text)
        self.stdout.write(f"Wrote {path}")
