"""The public area page in a real browser: phone width, Spanish, "Use my location" with a
granted location, and axe-core (WCAG 2.1 A/AA) on the page and its result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

OAXACA = (17.0732, -96.7266)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_area_page_locates_checks_and_is_accessible_on_a_phone(
    live_server, chromium, assert_accessible
):
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context = chromium.new_context(
        viewport={"width": 360, "height": 740},
        permissions=["geolocation"],
        geolocation={"latitude": OAXACA[0], "longitude": OAXACA[1], "accuracy": 30},
    )
    try:
        context.add_cookies(
            [{"name": "django_language", "value": "es", "domain": host, "path": "/"}]
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/area/")
        assert "Dónde se aceptan solicitudes" in page.content()
        assert (
            page.evaluate("document.querySelector('.area-map img').naturalWidth") > 0
        )  # the SVG loads
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert_accessible(page)
        page.click("#area-locate")
        # Playwright's own matcher, not a string predicate: the page's CSP forbids eval.
        expect(page.locator("#id_latitude")).not_to_have_value("")
        page.click("form.area-check button[type=submit]")
        page.wait_for_selector(".area-result")
        result = page.inner_text(".area-result")
        assert "No aceptada" in result and "Oaxaca" in result and "Puebla" in result
        assert_accessible(page)
        assert not errors
    finally:
        context.close()
