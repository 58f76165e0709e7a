"""The partner side in a real browser at 360 px, checked by axe-core on every page.

An organization's administrator logs in (password + authenticator code) and invites a staff
member by e-mail. The staff member opens the one-time link, chooses a password, logs in and
sets up the authenticator (the second factor), downloads the template, checks a file with
errors, sees each problem by row and column, fixes the file, checks it again and commits it.
A second organization's staff cannot reach any of it by page, API or guessed ids. The
administrator suspends the staff member: their open session and API token stop working at
once.
"""

from __future__ import annotations

import os
import re

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import Role, User
from portline.accounts.services import api_token_create
from portline.intake.models import BulkImport
from portline.registrations.models import PartnerConsent, Registration
from tests.conftest import BROWSER_TIMEOUT_MS, verified_login
from tests.factories import PASSWORD, UserFactory
from tests.intake.helpers import csv_bytes, row

SHOTS = os.environ.get("PORTLINE_SCREENSHOTS", "")
NEW_PASSWORD = "shelter work needs care 2026!"


def _checked(page, assert_accessible, name):
    assert_accessible(page)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"partner-{name}.png"), full_page=True)


def _code(device) -> str:
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def _context(chromium):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    return context


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admin_invites_staff_who_imports_fixes_and_commits_then_is_suspended(
    live_server, chromium, assert_accessible
):
    org_admin = UserFactory(role=Role.PARTNER_ADMIN, display_name="Rosa Admin")
    outsider = UserFactory(role=Role.PARTNER_STAFF)  # another organization

    # The administrator logs in with both factors and invites a staff member.
    context = _context(chromium)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    _checked(page, assert_accessible, "login")
    page.fill("input[name=login]", org_admin.login)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", _code(TOTPDevice.objects.get(user=org_admin)))
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/partner/staff/")
    _checked(page, assert_accessible, "staff")
    page.get_by_label("E-mail or phone number of the new staff member").fill(
        "marta@shelter.example"
    )
    page.get_by_label("Their name").fill("Marta Staff")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_selector("code.link-once")
    _checked(page, assert_accessible, "invited")
    link = page.locator("code.link-once").inner_text().strip()
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    admin_page = page

    # The staff member joins through the link, then logs in and sets up the second factor.
    staff_context = _context(chromium)
    page = staff_context.new_page()
    page.goto(link)
    _checked(page, assert_accessible, "join")
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_confirm", NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/accounts/login/**")
    staff = User.objects.get(login="marta@shelter.example")
    assert staff.role == Role.PARTNER_STAFF and staff.partner_id == org_admin.partner_id
    page.fill("input[name=login]", staff.login)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/accounts/authenticator/**")
    _checked(page, assert_accessible, "authenticator")
    page.fill("input[name=code]", _code(TOTPDevice.objects.get(user=staff, confirmed=False)))
    page.locator("main button[type=submit]").first.click()
    page.get_by_role("link", name="I have saved my codes. Continue").click()
    page.wait_for_url("**/partner/")
    _checked(page, assert_accessible, "home")

    # A file with errors: each problem by row and column, nothing stored.
    page.get_by_role("link", name="Enter people from a file").click()
    page.wait_for_url("**/partner/import/")
    _checked(page, assert_accessible, "import")
    template = page.request.get(f"{live_server.url}/partner/import/template.xlsx?language=es")
    assert template.status == 200 and template.body()[:2] == b"PK"
    bad = csv_bytes(
        [
            row(group="F1"),
            row(group="F1", given="Luis"),
            row(given="Eva", born="31/02/1990"),
            row(given="Rosa", family='=HYPERLINK("http://evil.example","x")'),
        ]
    )
    files = {"name": "people.csv", "mimeType": "text/csv", "buffer": bad}
    page.set_input_files("input[name=file]", files)
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector("#report-title")
    _checked(page, assert_accessible, "report-errors")
    table = page.get_by_role("table", name="Problems, row by row").inner_text()
    assert re.search(r"4\s+D \(Date of birth\)", table) and re.search(
        r"5\s+C \(Family names\)", table
    )
    assert '=HYPERLINK("http://evil.example","x")' in table  # shown as text, never run
    assert not Registration.objects.exists()

    # Fixed, checked again, committed.
    good = csv_bytes(
        [
            row(group="F1"),
            row(group="F1", given="Luis"),
            row(given="Eva", born="28/02/1990"),
            row(given="Rosa", family="Jean"),
        ]
    )
    files["buffer"] = good
    page.set_input_files("input[name=file]", files)
    page.get_by_role("button", name="Check again").click()
    page.wait_for_selector("#report-title")
    _checked(page, assert_accessible, "report-clean")
    page.set_input_files("input[name=file]", files)
    page.get_by_role("button", name="Enter the 4 rows that are ready").click()
    page.wait_for_url("**/partner/batches/*/")
    _checked(page, assert_accessible, "batch")
    record = BulkImport.objects.get()
    assert (record.rows_imported, record.registrations, record.staff) == (4, 3, staff)
    assert PartnerConsent.objects.filter(recorded_by=staff).count() == 3
    batch_url = page.url
    page.get_by_role("link", name="Registrations").first.click()
    page.wait_for_url("**/partner/")
    references = list(Registration.objects.values_list("reference", flat=True))
    assert all(ref in page.content() for ref in references)

    # Another organization sees none of it: pages, API, guessed ids.
    other = verified_login(Client(), outsider)
    assert other.get(batch_url.replace(live_server.url, "")).status_code == 404
    for guess in range(1, 6):
        assert other.get(f"/partner/batches/{guess}/").status_code == 404
    assert not any(ref in other.get("/partner/").content.decode() for ref in references)
    _t, other_raw = api_token_create(user=outsider)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {other_raw}"}
    assert Client().get("/api/v1/registrations", **headers).json()["count"] == 0
    for ref in references:
        assert Client().get(f"/api/v1/registrations/{ref}", **headers).status_code == 404
        assert other.get(f"/apply/r/{ref}/").status_code == 404

    # The administrator suspends the staff member: session and token stop at once.
    _t, staff_raw = api_token_create(user=staff)
    staff_headers = {"HTTP_AUTHORIZATION": f"Bearer {staff_raw}"}
    assert Client().get("/api/v1/registrations", **staff_headers).json()["count"] == 3
    admin_page.goto(f"{live_server.url}/partner/staff/")
    admin_page.get_by_role("button", name="Suspend Marta Staff").click()
    admin_page.wait_for_load_state()
    _checked(admin_page, assert_accessible, "suspended")
    page.goto(f"{live_server.url}/partner/")
    assert "/accounts/login/" in page.url
    assert Client().get("/api/v1/registrations", **staff_headers).status_code == 401
    staff_context.close()
    context.close()
