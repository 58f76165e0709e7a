"""A day's transport in the browser at 360 px: the coordinator makes the plan and checks
people off at boarding; the port officer hands the vehicle over with one person missing,
and the difference is flagged. axe-core checks every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from playwright.sync_api import expect

from portline.transport.models import HandoverDifference, ManifestEntry
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.factories.inspection import port_staff
from tests.transport.conftest import family, make_route

DAY = dt.date(2026, 12, 6)


def _context(chromium, live_server, user):
    from django.test import Client

    from tests.conftest import verified_login

    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    client = verified_login(Client(), user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    return context


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_day_is_planned_boarded_and_handed_over_with_one_person_missing(
    live_server, chromium, assert_accessible
):
    from portline.accounts.models import Role
    from tests.factories import UserFactory

    make_route("Reynosa", "HID", vehicle_capacity=6)
    _, family_people = family(4, given_names="Rosa", family_names="Mejía Paz")
    _, alone = family(1, given_names="Luis", family_names="Ortega")
    coordinator = UserFactory(role=Role.TRANSPORT_COORDINATOR)
    officer = port_staff("HID")

    context = _context(chromium, live_server, coordinator)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/transport/")
        assert_accessible(page)
        _fits_the_phone(page)
        page.get_by_label("Date of the appointments").fill(DAY.isoformat())
        page.get_by_label("Departure city").select_option("Reynosa")
        page.get_by_role("button", name="Show the plan").click()
        page.get_by_text("No plan for this day and city yet.").wait_for()
        assert_accessible(page)
        page.get_by_role("button", name="Make the plan").click()
        page.get_by_text("Plan made: 1 vehicles for 5 people.").wait_for()
        assert "5 of 6 seats · 0 boarded" in page.locator(".vehicles").inner_text()
        assert_accessible(page)
        _fits_the_phone(page)

        page.get_by_role("link", name="Vehicle 1").click()
        page.wait_for_url("**/transport/vehicles/*/")
        rows = page.locator(".manifest-row")
        # The click returns once the vehicle's page starts loading; wait for its rows.
        expect(rows).to_have_count(5)
        assert "Rosa" in rows.nth(0).inner_text() and "Luis" in rows.nth(4).inner_text()
        assert_accessible(page)
        _fits_the_phone(page)
        for person in [*family_people, *alone]:
            page.get_by_role("button", name=f"Check off {person.full_name}").first.click()
            page.get_by_text(f"{person.full_name} is checked off as boarded.").wait_for()
        expect(page.locator(".manifest-row.boarded")).to_have_count(5)
        assert_accessible(page)
        href = page.get_by_role("link", name="Manifest (CSV)").get_attribute("href")
        manifest = page.request.get(f"{live_server.url}{href}")
        assert manifest.ok and manifest.text().startswith("Orden,Nombre")
    finally:
        context.close()
    assert ManifestEntry.objects.filter(boarded_at__isnull=False).count() == 5

    context = _context(chromium, live_server, officer)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/transport/port/")
        page.get_by_label("Date").fill(DAY.isoformat())
        page.get_by_role("button", name="Show").click()
        assert_accessible(page)
        _fits_the_phone(page)
        page.get_by_role("link", name="Vehicle 1 from Reynosa").click()
        assert_accessible(page)
        _fits_the_phone(page)
        missing = alone[0]
        page.get_by_label(f"{missing.full_name} is here").uncheck()
        page.get_by_role("button", name="Acknowledge the vehicle").click()
        page.get_by_text("Vehicle acknowledged with 1 differences flagged.").wait_for()
        flagged = page.locator(".differences").inner_text()
        assert "On the manifest, not present" in flagged and missing.full_name in flagged
        assert "checked off at boarding" in flagged
        assert_accessible(page)
        _fits_the_phone(page)
    finally:
        context.close()

    (difference,) = HandoverDifference.objects.all()
    assert difference.kind == "missing" and difference.entry.person_id == missing.pk
    assert difference.was_boarded
