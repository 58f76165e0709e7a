"""The pages' creates carry the key their form was shown with (portline.portals.keys): the
same form posted twice (a double tap, a browser's resend, nginx's replay of a POST whose
server died after committing it) makes one registration, person or document; a form shown
again makes a new one."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.registrations.models import EvidenceDocument, Person, Registration
from tests.factories import CONSENT, UserFactory, complete_person_data, png_bytes
from tests.portals.accounts.helpers import full_login
from tests.portals.applicant.conftest import make_registration

pytestmark = pytest.mark.django_db
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def _key(page) -> str:
    keys = KEY.findall(page.content.decode())
    assert len(keys) == 1, keys
    return keys[0]


def _person_fields() -> dict[str, str]:
    data = complete_person_data(relationship="self")
    return {k: ("" if v is None else str(v)) for k, v in data.items()}


def _events(action: str) -> int:
    return AuditRecord.objects.filter(action=action).count()


def test_the_start_form_posted_twice_starts_one_registration(applicant_client, applicant):
    key = _key(applicant_client.get(reverse("applicant:home")))
    answers = [
        applicant_client.post(reverse("applicant:start"), {"idempotency_key": key})
        for _ in range(2)
    ]
    registration = Registration.objects.get(owner=applicant)
    assert [a.url for a in answers] == [
        reverse("applicant:group", args=[registration.reference])
    ] * 2
    assert _events("registrations.registration.create") == 1
    # The home page shown again carries a new key: a second registration is a new one.
    again = _key(applicant_client.get(reverse("applicant:home")))
    assert again != key
    applicant_client.post(reverse("applicant:start"), {"idempotency_key": again})
    assert Registration.objects.filter(owner=applicant).count() == 2


def test_the_person_form_posted_twice_adds_one_person(applicant_client, applicant):
    registration = make_registration(applicant, people=0)
    url = reverse("applicant:person_new", args=[registration.reference])
    key = _key(applicant_client.get(url))
    data = _person_fields()
    post = data | {"action": "continue", "idempotency_key": key}
    answers = [applicant_client.post(url, post) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302]
    assert Person.objects.filter(registration=registration).count() == 1
    assert _events("registrations.person.add") == 1
    # The same key with other fields (a tampered or stale form) is refused and stores nothing.
    refused = applicant_client.post(url, post | {"given_names": "Otra"})
    assert refused.status_code == 200
    assert "already used for a different request" in refused.content.decode()
    assert Person.objects.filter(registration=registration).count() == 1
    # A fresh form adds the next person.
    applicant_client.post(url, post | {"idempotency_key": _key(applicant_client.get(url))})
    assert Person.objects.filter(registration=registration).count() == 2


def test_a_person_form_refused_keeps_its_key_and_a_saved_one_edits_without_a_key(
    applicant_client, applicant
):
    registration = make_registration(applicant, people=0)
    url = reverse("applicant:person_new", args=[registration.reference])
    key = _key(applicant_client.get(url))
    data = _person_fields()
    # A wrong date: what was valid is saved, the page now edits that person (no key to send).
    page = applicant_client.post(
        url, data | {"date_of_birth": "2099-01-01", "action": "save", "idempotency_key": key}
    )
    assert page.status_code == 200
    assert Person.objects.filter(registration=registration).count() == 1
    assert not KEY.search(page.content.decode())


def test_an_upload_posted_twice_stores_one_document(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    url = reverse("applicant:evidence", args=[registration.reference])
    key = _key(applicant_client.get(url))
    before = EvidenceDocument.objects.filter(registration=registration).count()

    def upload():
        file = SimpleUploadedFile("id.png", png_bytes(), content_type="image/png")
        post = {"kind": "identity", "person": "1", "file": file, "idempotency_key": key}
        return applicant_client.post(url, post)

    assert [upload().status_code for _ in range(2)] == [302, 302]
    assert EvidenceDocument.objects.filter(registration=registration).count() == before + 1
    assert _key(applicant_client.get(url)) != key


def test_partner_staff_start_form_posted_twice_starts_one_registration_and_one_consent(client):
    staff = UserFactory(role=Role.PARTNER_STAFF)
    full_login(client, staff)
    key = _key(client.get("/partner/"))
    post = {**CONSENT, "confirm": "on", "idempotency_key": key}
    answers = [client.post("/partner/registrations/new/", post) for _ in range(2)]
    registration = Registration.objects.get(created_by=staff)
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].url == answers[1].url and registration.reference in answers[0].url
    assert registration.partner_consents.count() == 1
    assert _events("registrations.registration.create") == 1


def test_a_form_without_a_key_still_creates_as_before(applicant_client, applicant):
    for _ in range(2):
        applicant_client.post(reverse("applicant:start"))
    assert Registration.objects.filter(owner=applicant).count() == 2
