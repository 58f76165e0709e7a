"""Compile every .po file to .mo with Babel, so GNU gettext is not needed."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.core.management.base import BaseCommand

from config.env import BASE_DIR


def po_files() -> list[Path]:
    return sorted(p for p in (Path(BASE_DIR) / "portline").rglob("locale/*/LC_MESSAGES/*.po"))


class Command(BaseCommand):
    help = "Compile translations (.po to .mo) with Babel; no GNU gettext needed."

    def handle(self, *args, **options):
        count = 0
        for po_path in po_files():
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=po_path.parent.parent.name)
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with mo_path.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            count += 1
        self.stdout.write(f"Compiled {count} catalogue(s).")
