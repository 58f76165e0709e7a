"""The organizations acting for an applicant, through the API as on the page."""

from __future__ import annotations

import pytest

from portline.accounts.models import Role
from portline.registrations.models import PartnerConsent
from portline.registrations.selectors import registrations_visible_to
from portline.registrations.services import registration_create
from tests.api.conftest import api_client_for
from tests.factories import CONSENT, UserFactory

pytestmark = pytest.mark.django_db


def test_the_api_lists_and_withdraws_consent_as_the_page_does():
    applicant = UserFactory()
    staff = UserFactory(role=Role.PARTNER_STAFF)
    registration = registration_create(
        actor=staff, consent={**CONSENT, "applicant_login": applicant.login}
    )
    api = api_client_for(applicant)
    listed = api.get("/consents")
    assert listed.status_code == 200, listed.content
    (item,) = listed.json()
    assert item["organization"] == staff.partner.name
    assert item["registration"] == registration.reference and not item["withdrawn"]
    outsider = api_client_for(UserFactory())
    assert outsider.get("/consents").json() == []
    assert outsider.post(f"/consents/{item['id']}/withdraw", {}).status_code == 404
    assert PartnerConsent.objects.get().withdrawn_at is None
    withdrawn = api.post(f"/consents/{item['id']}/withdraw", {})
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"] is True
    assert not registrations_visible_to(staff).exists()
    assert api.get("/consents").json() == []
