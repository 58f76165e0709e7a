"""The applicant's journey with JavaScript turned off, at phone size, through to a stored request.

A cheap phone or a data-saving browser may run no script: log in, register one person, upload
a photograph, submit, and request an appointment by choosing the place from the list (no
location check). The request is stored with the declared place and a review flag. axe-core
checks every page (it is injected by the test driver, not by the page).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.geofence.models import LocationSignal, SignalKind
from portline.registrations.models import AppointmentRequest, Registration
from portline.scheduling.models import Port
from tests.conftest import open_window_all_day
from tests.factories import PASSWORD, UserFactory


def _png(path: Path) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 320), (30, 90, 200)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_javascript_a_person_registers_and_requests_with_a_declared_place(
    live_server, chromium, assert_accessible, tmp_path
):
    open_window_all_day()
    user = UserFactory()
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="en-US"
    )
    context.set_default_timeout(60_000)  # generous: a loaded machine serves slowly
    page = context.new_page()
    # axe-core needs a script of its own: each page, exactly as the script-less browser got it,
    # is checked in a second context at the same size, with the site's own scripts blocked.
    checker_context = chromium.new_context(viewport={"width": 360, "height": 740})
    checker_context.set_default_timeout(60_000)
    checker_context.route("**/*.js", lambda route: route.abort())
    checker = checker_context.new_page()

    def check(_page=None) -> None:
        html = page.content().replace("<head>", f'<head><base href="{live_server.url}/">', 1)
        checker.set_content(html, wait_until="load")
        assert_accessible(checker)

    def submit(name: str) -> None:
        page.get_by_role("button", name=name).click()
        page.wait_for_load_state()
        check()

    try:
        page.goto(f"{live_server.url}/apply/")
        check()
        page.fill("input[name=login]", user.login)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main button[type=submit]").first.click()
        page.wait_for_selector("input[name=code]")
        check()
        device = TOTPDevice.objects.get(user=user)
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        page.fill("input[name=code]", f"{code:06d}")
        page.locator("main button[type=submit]").first.click()
        page.wait_for_url("**/apply/")
        check()

        submit("Start a registration")
        page.select_option("#id_basis", "safety")
        page.fill("#id_us_address_line1", "1200 Main St")
        page.fill("#id_us_city", "Houston")
        page.select_option("#id_us_state", "TX")
        page.fill("#id_us_zip", "77002")
        submit("Save and continue")
        assert page.url.endswith("/people/")

        page.get_by_role("link", name="Add a person").click()
        page.wait_for_load_state()
        check()
        page.fill("#id_given_names", "Rose")
        page.fill("#id_family_names", "Joseph")
        page.fill("#id_date_of_birth", "1991-03-08")
        page.fill("#id_city_of_birth", "Jacmel")
        page.fill("#id_country_of_birth", "Haiti")  # typed: the name list needs no script
        page.fill("#id_nationality", "Haiti")
        page.fill("#id_country_of_residence", "Mexico")
        page.select_option("#id_gender", "female")
        page.select_option("#id_preferred_language", "ht")
        page.fill("#id_phone", "+52 55 1234 5678")
        page.fill("#id_foreign_address", "Calle 5 de Mayo 12, Tijuana, BC")
        page.fill("#id_travel_history", "HT → DO → MX (2024)")
        page.fill("#id_height_cm", "165")
        page.fill("#id_weight_kg", "58")
        page.select_option("#id_eye_colour", "brown")
        submit("Save and continue")
        assert page.url.endswith("/people/"), page.locator("main").inner_text()

        page.get_by_role("link", name="Continue to documents").click()
        page.wait_for_load_state()
        check()
        page.select_option("#id_kind", "photo")
        page.select_option("#id_person", "1")
        page.set_input_files("#id_file", str(_png(tmp_path / "photo.png")))
        submit("Upload")
        assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()

        page.get_by_role("link", name="Continue to review").click()
        page.wait_for_load_state()
        check()
        submit("Submit the registration")
        assert page.url.endswith("/request/"), page.url

        # No script, so no location: the page offers the list and says what follows.
        text = page.locator("main").inner_text()
        assert "a checked location (from your phone) may be asked when you confirm" in text
        assert page.locator("#declared-place").is_visible()
        port = Port.objects.get(code="SYS")
        page.select_option("#id_first_port", str(port.pk))

        # A city outside the area is refused and nothing is stored.
        page.select_option("#id_place", "MX-GRO|Acapulco")
        submit("Send the request")
        assert "outside the area where requests are accepted" in page.locator("main").inner_text()
        assert not AppointmentRequest.objects.exists()

        page.select_option("#id_place", "MX-BCN|Tijuana")
        submit("Send the request")
        assert page.url.endswith("/apply/"), page.locator("main").inner_text()

        registration = Registration.objects.get(owner=user)
        request = AppointmentRequest.objects.get(registration=registration)
        assert request.first_port == port and request.latitude is None
        assert (request.declared_state, request.declared_city) == ("MX-BCN", "Tijuana")
        assert LocationSignal.objects.filter(
            registration=registration, kind=SignalKind.DECLARED_LOCATION
        ).exists()
    finally:
        checker_context.close()
        context.close()
