"""Idempotency keys on the creates a proxy may replay: a registration, a person, evidence.

nginx replays a POST whose server died (deploy/nginx/portline.conf, `non_idempotent`); when
the first try had committed, the replay must not make a second draft, person or document.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.registrations.models import (
    EvidenceDocument,
    PartnerConsent,
    Person,
    Registration,
)
from tests.api.conftest import API, api_client_for, error_of
from tests.api.test_access import draft_registration
from tests.factories import CONSENT, UserFactory, complete_person_data, png_bytes

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "basis": "safety",
    "us_address_line1": "1200 Main St",
    "us_city": "Houston",
    "us_state": "TX",
    "us_zip": "77002",
}


def _stored() -> tuple[int, int, int, int, int]:
    return (
        Registration.objects.count(),
        Person.objects.count(),
        EvidenceDocument.objects.count(),
        PartnerConsent.objects.count(),
        AuditRecord.objects.count(),
    )


def _key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def _photo(api, reference: str, key: str, *, content: bytes | None = None, person: int = 1):
    return api.upload(
        f"/registrations/{reference}/evidence",
        {
            "kind": "photo",
            "person": str(person),
            "file": SimpleUploadedFile("me.png", content or png_bytes(), content_type="image/png"),
        },
        headers=_key(key),
    )


# Registrations ---------------------------------------------------------------------------


def test_a_replayed_registration_answers_the_same_and_stores_nothing(applicant_api):
    first = applicant_api.post("/registrations", REGISTRATION, headers=_key("reg-1"))
    assert first.status_code == 201, first.content
    stored = _stored()
    replay = applicant_api.post("/registrations", REGISTRATION, headers=_key("reg-1"))
    assert replay.status_code == 200, replay.content
    assert replay.json() == first.json()
    assert _stored() == stored
    assert AuditRecord.objects.filter(action="registrations.registration.create").count() == 1


def test_a_registration_key_with_other_data_is_refused_and_stores_nothing(applicant_api):
    assert (
        applicant_api.post("/registrations", REGISTRATION, headers=_key("reg-1")).status_code == 201
    )
    stored = _stored()
    other = applicant_api.post(
        "/registrations", REGISTRATION | {"us_city": "Dallas"}, headers=_key("reg-1")
    )
    assert other.status_code == 409
    error = error_of(other)
    assert error["code"] == "idempotency_key_reused"
    assert error["message"] == "This idempotency key was already used for a different request."
    assert _stored() == stored
    # translated like every other refusal
    spanish = applicant_api.post(
        "/registrations",
        REGISTRATION | {"us_city": "Dallas"},
        headers=_key("reg-1") | {"Accept-Language": "es"},
    )
    assert (
        error_of(spanish)["message"] == "Esta clave de idempotencia ya se usó para otra solicitud."
    )


def test_another_accounts_same_key_is_its_own(applicant_api):
    other = api_client_for(UserFactory())
    mine = applicant_api.post("/registrations", REGISTRATION, headers=_key("shared"))
    theirs = other.post("/registrations", REGISTRATION, headers=_key("shared"))
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["reference"] != theirs.json()["reference"]
    assert Registration.objects.count() == 2


def test_without_a_key_every_call_creates(applicant_api):
    assert applicant_api.post("/registrations", REGISTRATION).status_code == 201
    assert applicant_api.post("/registrations", REGISTRATION).status_code == 201
    assert Registration.objects.count() == 2


def test_a_replay_after_the_draft_cap_is_reached_still_answers_the_first(applicant_api, settings):
    settings.PORTLINE_MAX_OPEN_DRAFTS = 1
    first = applicant_api.post("/registrations", REGISTRATION, headers=_key("last-one"))
    assert first.status_code == 201
    replay = applicant_api.post("/registrations", REGISTRATION, headers=_key("last-one"))
    assert replay.status_code == 200 and replay.json() == first.json()
    refused = applicant_api.post("/registrations", REGISTRATION, headers=_key("another"))
    assert refused.status_code == 409 and error_of(refused)["code"] == "too_many_drafts"


def test_a_partners_replayed_registration_records_the_consent_once():
    staff = UserFactory(role=Role.PARTNER_STAFF)
    api = api_client_for(staff)
    consent = {"medium": "paper", "language": "es", "given_on": CONSENT["consent_given_on"]}
    body = REGISTRATION | {"consent": consent}
    first = api.post("/registrations", body, headers=_key("p-1"))
    assert first.status_code == 201, first.content
    stored = _stored()
    replay = api.post("/registrations", body, headers=_key("p-1"))
    assert replay.status_code == 200 and replay.json() == first.json()
    assert _stored() == stored and PartnerConsent.objects.count() == 1
    other = api.post(
        "/registrations", body | {"consent": consent | {"medium": "screen"}}, headers=_key("p-1")
    )
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_key_reused"
    # a colleague's same key is theirs
    colleague = api_client_for(UserFactory(role=Role.PARTNER_STAFF, partner=staff.partner))
    assert colleague.post("/registrations", body, headers=_key("p-1")).status_code == 201
    assert PartnerConsent.objects.count() == 2


def test_a_key_longer_than_64_characters_or_not_visible_ascii_is_refused(applicant_api):
    for key in ("k" * 65, "two words"):
        response = applicant_api.post("/registrations", REGISTRATION, headers=_key(key))
        assert response.status_code == 422, key
        assert "Idempotency-Key" in error_of(response)["fields"]
    assert not Registration.objects.exists()


# People ------------------------------------------------------------------------------------


def test_a_replayed_person_answers_the_same_and_adds_no_one(applicant, applicant_api):
    reference = draft_registration(applicant, people=0).reference
    data = complete_person_data(given_names="Rosa")
    first = applicant_api.post(f"/registrations/{reference}/people", data, headers=_key("p-1"))
    assert first.status_code == 201, first.content
    stored = _stored()
    replay = applicant_api.post(f"/registrations/{reference}/people", data, headers=_key("p-1"))
    assert replay.status_code == 200, replay.content
    assert replay.json() == first.json() and replay.json()["position"] == 1
    assert _stored() == stored
    assert AuditRecord.objects.filter(action="registrations.person.add").count() == 1
    # a new key is a new person
    second = applicant_api.post(f"/registrations/{reference}/people", data, headers=_key("p-2"))
    assert second.status_code == 201 and second.json()["position"] == 2


def test_a_person_key_with_other_fields_or_another_registration_is_refused(
    applicant, applicant_api
):
    reference = draft_registration(applicant, people=0).reference
    elsewhere = draft_registration(applicant, people=0).reference
    data = complete_person_data(given_names="Rosa")
    path = f"/registrations/{reference}/people"
    assert applicant_api.post(path, data, headers=_key("p-1")).status_code == 201
    stored = _stored()
    for response in (
        applicant_api.post(path, data | {"given_names": "Ana"}, headers=_key("p-1")),
        applicant_api.post(f"/registrations/{elsewhere}/people", data, headers=_key("p-1")),
    ):
        assert response.status_code == 409
        assert error_of(response)["code"] == "idempotency_key_reused"
    assert _stored() == stored


def test_a_person_key_is_the_accounts_own():
    staff = UserFactory(role=Role.PARTNER_STAFF)
    colleague = UserFactory(role=Role.PARTNER_STAFF, partner=staff.partner)
    api, other = api_client_for(staff), api_client_for(colleague)
    created = api.post(
        "/registrations",
        REGISTRATION
        | {
            "consent": {
                "medium": "paper",
                "language": "es",
                "given_on": CONSENT["consent_given_on"],
            }
        },
    )
    path = f"/registrations/{created.json()['reference']}/people"
    data = complete_person_data()
    assert api.post(path, data, headers=_key("same")).json()["position"] == 1
    assert other.post(path, data, headers=_key("same")).json()["position"] == 2
    assert Person.objects.count() == 2


def test_a_replayed_person_after_submission_still_answers_the_first(applicant, applicant_api):
    reference = draft_registration(applicant, people=0).reference
    path = f"/registrations/{reference}/people"
    data = complete_person_data()
    first = applicant_api.post(path, data, headers=_key("before-submit"))
    assert _photo(applicant_api, reference, "photo-1").status_code == 201
    assert applicant_api.post(f"/registrations/{reference}/submit").status_code == 200
    replay = applicant_api.post(path, data, headers=_key("before-submit"))
    assert replay.status_code == 200 and replay.json() == first.json()
    refused = applicant_api.post(path, data, headers=_key("after-submit"))
    assert refused.status_code == 409 and error_of(refused)["code"] == "not_draft"


# Evidence ----------------------------------------------------------------------------------


def test_a_replayed_upload_answers_the_same_and_stores_no_document_or_file(
    applicant, applicant_api, tmp_path
):
    reference = draft_registration(applicant, people=0).reference
    applicant_api.post(f"/registrations/{reference}/people", complete_person_data())
    first = _photo(applicant_api, reference, "photo-1")
    assert first.status_code == 201, first.content
    stored = _stored()
    files = sorted(p for p in (tmp_path / "private").rglob("*") if p.is_file())
    replay = _photo(applicant_api, reference, "photo-1")
    assert replay.status_code == 200, replay.content
    assert replay.json() == first.json()
    assert _stored() == stored
    assert sorted(p for p in (tmp_path / "private").rglob("*") if p.is_file()) == files
    other = _photo(applicant_api, reference, "photo-1", content=png_bytes(colour=(0, 0, 255)))
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_key_reused"
    assert _stored() == stored


# The schema ---------------------------------------------------------------------------------


def test_the_schema_offers_the_key_on_each_create_and_declares_the_retry(applicant_api):
    schema = applicant_api.client.get(f"{API}/openapi.json").json()
    for path in (
        "/api/v1/registrations",
        "/api/v1/registrations/{reference}/people",
        "/api/v1/registrations/{reference}/evidence",
        "/api/v1/release/cases/{record_number}/address",
    ):
        operation = schema["paths"][path]["post"]
        (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert key["in"] == "header" and not key.get("required", False), path
        assert {"200", "201", "409"} <= set(operation["responses"]), path
