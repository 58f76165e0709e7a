"""The applicant sees who acts for them, withdraws it, and always sees that Portline is free."""

from __future__ import annotations

import pytest
from django.test import Client

from portline.accounts.models import Role
from portline.registrations.models import PartnerConsent
from portline.registrations.selectors import registrations_visible_to
from portline.registrations.services import registration_create
from tests.conftest import verified_login
from tests.factories import CONSENT, UserFactory

pytestmark = pytest.mark.django_db


def test_applicant_sees_the_organization_and_withdraws_consent():
    applicant = UserFactory()
    staff = UserFactory(role=Role.PARTNER_STAFF)
    registration = registration_create(
        actor=staff, consent={**CONSENT, "applicant_login": applicant.login}
    )
    assert registration.owner == applicant
    client = verified_login(Client(), applicant)
    page = client.get("/apply/organizations/").content.decode()
    assert staff.partner.name in page and registration.reference in page
    consent = PartnerConsent.objects.get()
    outsider = verified_login(Client(), UserFactory())
    assert outsider.post(f"/apply/organizations/{consent.pk}/withdraw/").status_code == 404
    assert client.post(f"/apply/organizations/{consent.pk}/withdraw/").status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_by == applicant and consent.withdrawn_at
    assert not registrations_visible_to(staff).exists()
    assert registrations_visible_to(applicant).filter(pk=registration.pk).exists()


def test_an_unknown_applicant_login_is_refused_and_nothing_is_stored():
    from portline.common.errors import ValidationFailed
    from portline.registrations.models import Registration

    staff = UserFactory(role=Role.PARTNER_STAFF)
    with pytest.raises(ValidationFailed) as info:
        registration_create(actor=staff, consent={**CONSENT, "applicant_login": "x@nowhere.org"})
    assert "applicant_login" in info.value.errors and not Registration.objects.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "No payment is ever required"),
        ("es", "Nunca se exige ningún pago"),
        ("ht", "pa janm bezwen peye"),
    ],
)
def test_every_applicant_page_says_portline_is_free_and_where_to_report(language, words):
    client = verified_login(Client(), UserFactory())
    client.cookies["django_language"] = language
    for url in ("/apply/", "/apply/organizations/"):
        html = client.get(url).content.decode()
        assert words in html and 'href="/report/"' in html
