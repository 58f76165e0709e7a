"""The officer's journey in a real browser at 360 px, checked by axe-core on every page.

An officer logs in (password + authenticator code), types the confirmation number as a
handheld scanner would, records the arrival (which screens the person against the
watchlists), adjudicates the hit, records the identity result and a parole decision. The
confirmed watchlist match makes the decision wait for a supervisor, who logs in, approves it
with a reason, and opens the decision document (PDF).
"""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import Role
from portline.inspection.models import Arrival, Decision, IdentityCheck
from tests.conftest import BROWSER_TIMEOUT_MS, verified_login
from tests.factories import PASSWORD
from tests.factories.inspection import confirmed_appointment, photo_for, port_staff, submitted_group

GIVEN, FAMILY = "Wilner", "Jean-Baptiste"
SHOTS = os.environ.get(
    "PORTLINE_SCREENSHOTS", ""
)  # a folder: save a full-page PNG of each page checked


def _checked(page, assert_accessible, name):
    assert_accessible(page)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"officer-{name}.png"), full_page=True)


def _log_in(page, context, live_server, user, assert_accessible, target="/officer/"):
    """Through the real log-in pages (then the authenticator code); else a verified session cookie."""
    page.goto(f"{live_server.url}/accounts/login/?next={target}")
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
        page.wait_for_load_state()
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
    page.goto(f"{live_server.url}{target}")
    assert page.url.endswith(target), page.url


def _seed_watchlist(tmp_path) -> None:
    """A watchlist entry naming the traveller, through the screening app's own import command."""
    import json

    from django.core.management import call_command

    path = tmp_path / "list.json"
    path.write_text(
        json.dumps(
            [
                {
                    "name": f"{GIVEN} {FAMILY}",
                    "date_of_birth": "1985-03-04",
                    "nationality": "HT",
                    "reason": "test entry",
                }
            ]
        )
    )
    call_command("watchlist_import", str(path), "--list", "TEST", stdout=io.StringIO())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_officer_checks_in_adjudicates_decides_and_supervisor_approves(
    live_server, chromium, assert_accessible, tmp_path
):
    import datetime as dt

    officer = port_staff("SYS")
    supervisor = port_staff("SYS", role=Role.SUPERVISOR)
    person = submitted_group(
        1,
        given_names=GIVEN,
        family_names=FAMILY,
        date_of_birth=dt.date(1985, 3, 4),
        nationality="HT",
        preferred_language="ht",
    )[0]
    photo_for(person)
    appointment = confirmed_appointment(people=[person])
    _seed_watchlist(tmp_path)

    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    try:
        _log_in(page, context, live_server, officer, assert_accessible)
        _checked(page, assert_accessible, "home")
        assert appointment.confirmation_number in page.content()

        # The handheld scanner "types" the confirmation number and presses Enter.
        page.fill("input[name=code]", appointment.confirmation_number_display.lower())
        page.press("input[name=code]", "Enter")
        page.wait_for_url(f"**/officer/appointments/{appointment.confirmation_number}/**")
        _checked(page, assert_accessible, "group")
        page.get_by_role("button", name=f"Record arrival: {GIVEN} {FAMILY}").click()
        page.wait_for_load_state()
        assert Arrival.objects.filter(person=person, status="arrived", method="number").exists()
        _checked(page, assert_accessible, "arrived")

        page.get_by_role("link", name=f"1. {GIVEN} {FAMILY}").click()
        page.wait_for_url("**/officer/people/**")
        _checked(page, assert_accessible, "case")
        assert page.locator("img.photo").count() == 1

        hit = page.locator("article.hit").first
        assert "score" in hit.inner_text().lower() and "Date of birth matches" in hit.inner_text()
        hit.get_by_label("True match: this is the listed person").check()
        hit.get_by_label("Reason").fill(
            "Same name, date of birth and nationality as the listed person."
        )
        hit.get_by_role("button", name="Save the adjudication").click()
        page.wait_for_load_state()
        _checked(page, assert_accessible, "adjudicated")
        assert page.locator("article.hit .tag.true_match").count() == 1

        page.get_by_label("Matches the submitted photo and documents").check()
        page.get_by_label("Visual comparison and document examined").check()
        page.get_by_label("Document examined (optional)").fill("passport")
        page.get_by_role("button", name="Save the identity result").click()
        page.wait_for_load_state()
        assert IdentityCheck.objects.filter(person=person, result="match").exists()

        page.locator("#id_kind").select_option("parole")
        page.get_by_label("Reason code").select_option("humanitarian")
        page.get_by_label("Parole term in months (parole only)").fill("24")
        page.get_by_role("button", name="Record the decision").click()
        page.wait_for_load_state()
        _checked(page, assert_accessible, "decided")
        decision = Decision.objects.get(person=person)
        assert decision.status == "pending" and decision.approval_grounds == [
            "confirmed_watchlist_match"
        ]
        context.close()

        # The supervisor approves.
        context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        page = context.new_page()
        _log_in(page, context, live_server, supervisor, assert_accessible)
        page.get_by_role("link", name="Approvals").click()
        page.wait_for_url("**/officer/approvals/")
        _checked(page, assert_accessible, "approvals")
        page.get_by_role("link", name=f"{GIVEN} {FAMILY}").click()
        page.wait_for_url("**/officer/people/**")
        page.get_by_label("Approve").check()
        page.locator("form[action*='/review/'] textarea[name=reason]").fill(
            "Match reviewed; humanitarian grounds stand."
        )
        page.get_by_role("button", name="Save the review").click()
        page.wait_for_load_state()
        _checked(page, assert_accessible, "approved")
        decision.refresh_from_db()
        assert (
            decision.status == "final" and decision.reviewed_by == supervisor and decision.term_end
        )

        link = page.get_by_role("link", name="Decision document (PDF)")
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert response.body().startswith(b"%PDF")
        context.close()

        # The released person (the registration's owner) sees the parole and checks in.
        context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        page = context.new_page()
        _log_in(
            page,
            context,
            live_server,
            person.registration.owner,
            assert_accessible,
            target="/apply/check-ins/",
        )
        _checked(page, assert_accessible, "release-home")
        page.get_by_role("link", name="Check in or report a new address").click()
        page.wait_for_url(f"**/apply/check-ins/{decision.record_number}/")
        _checked(page, assert_accessible, "release-case")
        page.get_by_label("Latitude (optional)").fill("29.7604")
        page.get_by_label("Longitude (optional)").fill("-95.3698")
        page.get_by_role("button", name="Check in", exact=True).click()
        page.wait_for_load_state()
        _checked(page, assert_accessible, "release-checked-in")
        assert decision.check_ins.get().latitude == 29.7604
    finally:
        context.close()
