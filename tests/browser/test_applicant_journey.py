"""An applicant's whole journey in a real browser, at phone size, in Spanish, checked by axe-core.

Log in (password + authenticator code), switch to Spanish, register a family of three, fill
each person, upload a photograph for each, submit, request an appointment at a port, and see
the status page. axe-core runs on every page visited.
"""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from portline.registrations.models import AppointmentRequest, EvidenceDocument, Registration
from portline.scheduling.models import Port
from tests.conftest import BROWSER_TIMEOUT_MS, open_window_all_day, verified_login
from tests.factories import PASSWORD, UserFactory

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
TIJUANA = {"latitude": 32.5149, "longitude": -117.0382, "accuracy": 25}
FAMILY = [
    {
        "relationship": "self",
        "given": "María José",
        "family": "García López",
        "dob": "1990-05-17",
        "gender": "female",
        "phone": "+52 55 1234 5678",
    },
    {
        "relationship": "spouse",
        "given": "Carlos",
        "family": "Pérez Ruiz",
        "dob": "1988-02-03",
        "gender": "male",
        "phone": "",
    },
    {
        "relationship": "child",
        "given": "Ana",
        "family": "Pérez García",
        "dob": "2016-09-21",
        "gender": "female",
        "phone": "",
    },
]


def _png(path: Path, colour) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 320), colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _log_in(page, context, live_server, user, assert_accessible):
    """Through the real log-in pages when they exist; else a verified session cookie."""
    page.goto(f"{live_server.url}/apply/")
    if page.locator("input[name=login]").count() and page.locator("input[name=password]").count():
        assert_accessible(page)
        page.fill("input[name=login]", user.login)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main button[type=submit]").first.click()
        page.wait_for_selector("input[name=code]")
        assert_accessible(page)
        device = TOTPDevice.objects.get(user=user)
        page.fill(
            "input[name=code]",
            f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}",
        )
        page.locator("main button[type=submit]").first.click()
    else:
        from django.test import Client

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
    page.goto(f"{live_server.url}/apply/")
    assert page.url.endswith("/apply/"), page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_family_registers_and_requests_in_spanish(
    live_server, chromium, assert_accessible, tmp_path
):
    open_window_all_day()
    user = UserFactory()
    context = chromium.new_context(
        viewport={"width": 360, "height": 740},
        geolocation=TIJUANA,
        permissions=["geolocation"],
        locale="en-US",
    )
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    try:
        _log_in(page, context, live_server, user, assert_accessible)
        assert_accessible(page)

        # Switch to Spanish with the switcher in the page header.
        page.select_option("#language-select", "es")
        page.locator("form.lang button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "es"
        assert_accessible(page)

        page.get_by_role("button", name="Empezar un registro").click()
        page.wait_for_selector("#id_basis")
        assert_accessible(page)
        page.select_option("#id_basis", "safety")
        page.fill("#id_basis_statement", "Amenazas contra la familia.")
        page.fill("#id_us_address_line1", "1200 Main St")
        page.fill("#id_us_city", "Houston")
        page.select_option("#id_us_state", "TX")
        page.fill("#id_us_zip", "77002")
        page.get_by_role("button", name="Guardar y continuar").click()
        page.wait_for_url("**/people/")
        assert_accessible(page)

        for member in FAMILY:
            page.get_by_role("link", name="Agregar una persona").click()
            page.wait_for_selector("#id_given_names")
            assert_accessible(page)
            page.select_option("#id_relationship", member["relationship"])
            page.fill("#id_given_names", member["given"])
            page.fill("#id_family_names", member["family"])
            page.fill("#id_date_of_birth", member["dob"])
            page.fill("#id_city_of_birth", "Tegucigalpa")
            for name in ("country_of_birth", "nationality"):
                page.fill(f"#id_{name}", "Honduras")  # typed, or picked from the name list
            page.fill("#id_country_of_residence", "México")
            page.select_option("#id_gender", member["gender"])
            page.select_option("#id_preferred_language", "es")
            if member["phone"]:
                page.fill("#id_phone", member["phone"])
            page.fill("#id_foreign_address", "Calle 5 de Mayo 12, Tijuana, BC")
            page.fill("#id_travel_history", "HN → GT → MX (2024)")
            page.fill("#id_height_cm", "160" if member["relationship"] != "child" else "120")
            page.fill("#id_weight_kg", "60" if member["relationship"] != "child" else "25")
            page.select_option("#id_eye_colour", "brown")
            page.get_by_role("button", name="Guardar y continuar").click()
            page.wait_for_url("**/people/")
            assert_accessible(page)

        registration = Registration.objects.get(owner=user)
        assert registration.people.count() == 3

        page.get_by_role("link", name="Continuar a los documentos").click()
        page.wait_for_selector("#id_file")
        assert_accessible(page)
        for position, colour in zip(
            (1, 2, 3), ((200, 30, 30), (30, 200, 30), (30, 30, 200)), strict=True
        ):
            page.select_option("#id_kind", "photo")
            page.select_option("#id_person", str(position))
            page.set_input_files("#id_file", str(_png(tmp_path / f"photo-{position}.png", colour)))
            page.get_by_role("button", name="Subir").click()
            page.wait_for_load_state()
            assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()
            assert_accessible(page)
        assert EvidenceDocument.objects.filter(registration=registration, kind="photo").count() == 3

        page.get_by_role("link", name="Continuar a la revisión").click()
        page.wait_for_selector("text=Está todo lo necesario")
        assert_accessible(page)
        page.get_by_role("button", name="Enviar el registro").click()
        page.wait_for_url("**/request/")
        # The page's small script fills in the location the browser gives.
        expect(page.locator("input[name=latitude]").first).not_to_have_value("")
        assert_accessible(page)
        port = Port.objects.get(code="SYS")
        page.select_option("#id_first_port", str(port.pk))
        page.get_by_role("button", name="Enviar la solicitud").click()
        page.wait_for_url("**/apply/")
        assert_accessible(page)

        request = AppointmentRequest.objects.get(registration=registration)
        assert request.first_port == port and request.latitude is not None
        status = page.locator("main").inner_text()
        assert registration.reference in status and port.name in status
        assert "Solicitudes de cita" in status
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "status-page.png"), full_page=True)
    finally:
        context.close()
