"""Sign-up, authenticator set-up and log-in in a real browser at phone width, checked by axe-core."""

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import User


def _code_for_secret(secret: str) -> str:
    """What the person's authenticator app computes from the key shown on the page."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key):06d}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sign_up_and_set_up_the_authenticator_in_haitian_creole(
    live_server, chromium, wcag_violations
):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto(f"{live_server.url}/accounts/signup/")
        page.select_option("#language-select", "ht")
        page.locator("form.lang button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "ht"
        assert page.locator("h1").inner_text() == "Kreye yon kont"

        # A mismatched confirmation: an error in Creole, announced, and nothing created.
        page.fill("#id_login", "wideline@example.org")
        page.fill("#id_password", "a-long-unusual-passphrase")
        page.fill("#id_password_confirm", "something-else-entirely")
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        assert "De modpas yo pa menm." in page.content()
        assert page.locator("#id_password_confirm").get_attribute("aria-invalid") == "true"
        problems += wcag_violations(page)
        assert not User.objects.exists()

        page.fill("#id_password", "a-long-unusual-passphrase")
        page.fill("#id_password_confirm", "a-long-unusual-passphrase")
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        # Sign-up never tells whether the login was taken: log in next, the login filled in.
        assert page.locator("#id_login").input_value() == "wideline@example.org"
        problems += wcag_violations(page)
        page.fill("#id_password", "a-long-unusual-passphrase")
        page.locator("main button[type=submit]").click()
        page.wait_for_selector("#totp-secret")
        problems += wcag_violations(page)
        assert page.locator(".qr img").evaluate("img => img.naturalWidth > 0")
        # Nothing is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.fill("#id_code", _code_for_secret(page.locator("#totp-secret").inner_text()))
        page.locator("main button[type=submit]").click()
        page.wait_for_selector("ul.codes")
        problems += wcag_violations(page)
        assert page.locator("ul.codes li").count() == 8
        backup_code = page.locator("ul.codes li").first.inner_text().strip()
        user = User.objects.get(login="wideline@example.org")
        assert user.preferred_language == "ht"
        assert TOTPDevice.objects.get(user=user).confirmed

        page.locator("main a.button").click()
        page.wait_for_load_state()
        assert page.url.endswith("/apply/")
        # Log out, then log in again with a backup code.
        page.locator("nav.account button[type=submit]").click()
        page.wait_for_selector("input[name=password]")
        page.fill("#id_login", "Wideline@Example.org")
        page.fill("#id_password", "a-long-unusual-passphrase")
        page.locator("main button[type=submit]").click()
        page.wait_for_selector("input[name=code]")
        problems += wcag_violations(page)
        page.fill("#id_code", backup_code)
        page.locator("main button[type=submit]").first.click()
        page.wait_for_load_state()
        assert page.url.endswith("/apply/")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
