"""The camera confirmation in a real browser: fake camera, granted location, phone size,
Spanish, checked by axe-core (WCAG 2.1 A/AA)."""

import os

import pytest
from django.conf import settings
from django.test import Client

from portline.appointments.models import AppointmentStatus
from tests.appointments.test_services import _offer
from tests.conftest import verified_login
from tests.factories.appointments import TIJUANA

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = [f"{v['id']}: {v['help']}" for v in results.response["violations"]]
    assert not violations, f"{page.url}: {violations}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_group_confirms_with_camera_and_location_in_the_browser(live_server, chromium_with_camera):
    _round, (appointment,) = _offer(people=(2,))
    client = verified_login(Client(), appointment.registration.owner)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context = chromium_with_camera.new_context(
        viewport={"width": 360, "height": 740},
        locale="es-MX",
        permissions=["camera", "geolocation"],
        geolocation={"latitude": TIJUANA[0], "longitude": TIJUANA[1], "accuracy": 20},
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "es", "domain": host, "path": "/"},
        ]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(
        f"{live_server.url}/apply/appointments/registration/{appointment.registration.reference}/"
    )
    assert "Usted fue seleccionado" in page.content()
    page.click("main a.button")
    _accessible(page)
    for position in (1, 2):
        page.locator("ul.appt-people a.button").first.click()
        page.wait_for_selector("#appt-start")
        if position == 1:
            _accessible(page)
        assert page.locator("input[type=file]").count() == 0
        page.click("#appt-start")
        page.wait_for_selector("#appt-shoot:not([hidden])")
        page.click("#appt-shoot")
        page.wait_for_selector("#appt-submit:not([disabled])")
        page.click("#appt-submit")
        page.wait_for_url(f"**/apply/appointments/{appointment.pk}/")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    confirmation = appointment.confirmations.order_by("id").first()
    assert confirmation.photo_content_type == "image/jpeg"
    assert abs(confirmation.latitude - TIJUANA[0]) < 1e-6 and confirmation.accuracy_m == 20
    page.wait_for_selector(".appt-qr svg")
    assert "Confirmación de cita" in page.content()
    _accessible(page)
    page.goto(
        f"{live_server.url}/apply/appointments/registration/{appointment.registration.reference}/"
    )
    assert "Su cita está confirmada" in page.content()
    _accessible(page)
    # The third-party check, filled in as a transit officer would.
    page.goto(f"{live_server.url}/apply/appointments/verify/")
    page.fill("#id_confirmation_number", appointment.confirmation_number_display)
    page.fill("#id_date_of_birth", "1990-05-17")
    page.locator("main button[type=submit]").click()
    page.wait_for_selector(".appt-result")
    assert "appt-valid" in page.locator(".appt-result").get_attribute("class")
    _accessible(page)
    assert not errors
    context.close()
