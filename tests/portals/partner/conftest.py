from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PORTALS = Path(__file__).resolve().parents[3] / "portline" / "portals"


@pytest.fixture(autouse=True, scope="session")
def _compiled_translations():
    """These pages are checked in Spanish and Haitian Creole: build their .mo files if stale
    (as `portline i18n compile` does), without depending on other apps' catalogues."""
    for app in ("accounts", "partner"):
        for po_path in (PORTALS / app / "locale").glob("*/LC_MESSAGES/django.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=po_path.parent.parent.name)
            with mo_path.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)


@pytest.fixture(autouse=True)
def _language_reset():
    """Pages here are fetched in Spanish and Creole; leave the thread in the default language."""
    yield
    from django.utils import translation

    translation.deactivate()
