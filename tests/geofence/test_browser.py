"""The public area page in a real browser: phone width, Spanish, "Use my location" with a
granted location, and axe-core (WCAG 2.1 A/AA) on the page and its result."""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OAXACA = (17.0732, -96.7266)


def _accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = [f"{v['id']}: {v['help']}" for v in results.response["violations"]]
    assert not violations, f"{page.url}: {violations}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_area_page_locates_checks_and_is_accessible_on_a_phone(live_server):
    if not shutil.which("/usr/bin/chromium"):
        pytest.skip("Debian's Chromium is not installed")
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    host = live_server.url.split("//", 1)[1].split(":")[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, permissions=["geolocation"],
                geolocation={"latitude": OAXACA[0], "longitude": OAXACA[1], "accuracy": 30},
            )
            context.add_cookies([{"name": "django_language", "value": "es", "domain": host, "path": "/"}])
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_server.url}/area/")
            assert "Dónde se aceptan solicitudes" in page.content()
            assert page.evaluate("document.querySelector('.area-map img').naturalWidth") > 0  # the SVG loads
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            _accessible(page)
            page.click("#area-locate")
            page.wait_for_function("document.getElementById('id_latitude').value !== ''")
            page.click("form.area-check button[type=submit]")
            page.wait_for_selector(".area-result")
            result = page.inner_text(".area-result")
            assert "No aceptada" in result and "Oaxaca" in result and "Puebla" in result
            _accessible(page)
            assert not errors
        finally:
            browser.close()
