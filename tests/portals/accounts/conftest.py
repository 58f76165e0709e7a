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


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def chromium():
    import os
    import shutil

    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's Chromium is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def wcag_violations():
    """axe-core's WCAG 2.1 A/AA violations on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> list[str]:
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        return [
            f"{page.url}: {v['id']} ({v['impact']}) {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"]
        ]

    return check


@pytest.fixture(autouse=True)
def _language_reset():
    """Pages here are fetched in Spanish and Creole; leave the thread in the default language."""
    yield
    from django.utils import translation

    translation.deactivate()
