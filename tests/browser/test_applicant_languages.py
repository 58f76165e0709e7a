"""The applicant journey in French and in Portuguese, in a real browser at phone size.

Sign in through the real pages in the language chosen before logging in, register a person,
upload a photograph, submit and request an appointment; axe-core checks every page. Steps are
found by structure (form actions, field ids), not by their words, and every page must carry
the chosen language in <html lang> and the direction from the language's bidi flag, so the
walk holds whatever the catalogues say today.
"""

import io
from pathlib import Path

import pytest
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from portline.registrations.models import AppointmentRequest, EvidenceDocument, Registration
from portline.scheduling.models import Port
from tests.conftest import BROWSER_TIMEOUT_MS, open_window_all_day
from tests.factories import PASSWORD, UserFactory

TIJUANA = {"latitude": 32.5149, "longitude": -117.0382, "accuracy": 25}
LANGUAGES = ["fr", "pt"]


def _png(path: Path) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 320), (120, 80, 40)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _check(page, language, assert_accessible):
    page.wait_for_load_state()
    html = page.locator("html")
    assert html.get_attribute("lang") == language, page.url
    direction = "rtl" if translation.get_language_info(language)["bidi"] else "ltr"
    assert html.get_attribute("dir") == direction, page.url
    assert_accessible(page)


def _submit(page, form_selector):
    page.locator(f"{form_selector} button[type=submit]").first.click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_applicant_journey_in_french_and_portuguese(
    live_server, chromium, assert_accessible, tmp_path, language
):
    open_window_all_day()
    user = UserFactory(preferred_language="en")
    context = chromium.new_context(
        viewport={"width": 360, "height": 740},
        geolocation=TIJUANA,
        permissions=["geolocation"],
        locale="en-US",
    )
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    try:
        # The language is chosen on the log-in page, before logging in.
        page.goto(f"{live_server.url}/accounts/login/")
        page.select_option("#language-select", language)
        _submit(page, "form.lang")
        _check(page, language, assert_accessible)
        page.fill("input[name=login]", user.login)
        page.fill("input[name=password]", PASSWORD)
        _submit(page, "main form")
        page.wait_for_selector("input[name=code]")
        _check(page, language, assert_accessible)
        device = TOTPDevice.objects.get(user=user)
        token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        page.fill("input[name=code]", f"{token:06d}")
        _submit(page, "main form")
        page.goto(f"{live_server.url}/apply/")
        _check(page, language, assert_accessible)
        user.refresh_from_db()
        assert user.preferred_language == language  # the choice made before log-in is kept

        _submit(page, "form[action$='/apply/start/']")
        page.wait_for_selector("#id_basis")
        _check(page, language, assert_accessible)
        page.select_option("#id_basis", "safety")
        page.fill("#id_us_address_line1", "1200 Main St")
        page.fill("#id_us_city", "Houston")
        page.select_option("#id_us_state", "TX")
        page.fill("#id_us_zip", "77002")
        page.locator("main form button[value=continue]").click()
        page.wait_for_url("**/people/")
        _check(page, language, assert_accessible)

        page.locator("main a[href$='/people/add/']").click()
        page.wait_for_selector("#id_given_names")
        _check(page, language, assert_accessible)
        page.select_option("#id_relationship", "self")
        page.fill("#id_given_names", "Jean-Baptiste")
        page.fill("#id_family_names", "Gonçalves Lefèvre")
        page.fill("#id_date_of_birth", "1990-05-17")
        page.fill("#id_city_of_birth", "Cap-Haïtien")
        # Country fields take a name from the page's list or a two-letter code.
        for name in ("country_of_birth", "nationality"):
            page.fill(f"#id_{name}", "HT")
        page.fill("#id_country_of_residence", "MX")
        page.select_option("#id_gender", "male")
        page.select_option("#id_preferred_language", language)
        page.fill("#id_phone", "+52 55 1234 5678")
        page.fill("#id_foreign_address", "Calle 5 de Mayo 12, Tijuana, BC")
        page.fill("#id_travel_history", "HT → BR → MX (2024)")
        page.fill("#id_height_cm", "175")
        page.fill("#id_weight_kg", "70")
        page.select_option("#id_eye_colour", "brown")
        page.locator("main form button[value=continue]").click()
        page.wait_for_url("**/people/")
        _check(page, language, assert_accessible)
        registration = Registration.objects.get(owner=user)
        assert registration.people.count() == 1

        page.locator("main a[href$='/documents/']").first.click()
        page.wait_for_selector("#id_file")
        _check(page, language, assert_accessible)
        page.select_option("#id_kind", "photo")
        page.select_option("#id_person", "1")
        page.set_input_files("#id_file", str(_png(tmp_path / "photo.png")))
        _submit(page, "main form[enctype='multipart/form-data']")
        page.wait_for_load_state()
        assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()
        _check(page, language, assert_accessible)
        assert EvidenceDocument.objects.filter(registration=registration).count() == 1

        page.goto(f"{live_server.url}/apply/r/{registration.reference}/")
        _check(page, language, assert_accessible)
        _submit(page, f"main form[action$='/r/{registration.reference}/']")
        page.wait_for_url("**/request/")
        expect(page.locator("input[name=latitude]").first).not_to_have_value("")
        _check(page, language, assert_accessible)
        port = Port.objects.get(code="SYS")
        page.select_option("#id_first_port", str(port.pk))
        _submit(page, "main form[data-locate]")
        page.wait_for_url("**/apply/")
        _check(page, language, assert_accessible)
        request = AppointmentRequest.objects.get(registration=registration)
        assert request.first_port == port
    finally:
        context.close()
