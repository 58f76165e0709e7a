"""The whole applicant journey through the API alone, as a mobile app would do it."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.audit.models import AuditRecord
from portline.registrations.models import AppointmentRequest
from tests.api.conftest import IN_AREA, ApiClient
from tests.factories import complete_person_data, png_bytes

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


def _code(secret: str, drift: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, drift=drift):06d}"


def test_whole_journey_with_a_token():
    anonymous = ApiClient(Client())
    login = "ana@example.org"

    response = anonymous.post(
        "/auth/signup", {"login": login, "password": PASSWORD, "language": "es"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "applicant" and response.json()["second_factor"] is False

    response = anonymous.post("/auth/totp/start", {"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.content
    secret = response.json()["secret"]
    assert response.json()["otpauth_uri"].startswith("otpauth://totp/")

    response = anonymous.post(
        "/auth/totp/confirm", {"login": login, "password": PASSWORD, "code": _code(secret)}
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["backup_codes"]) == 8

    # The next time step's code: the one just used cannot be used again. (Counted from the
    # device's drift: a confirmation that reached the server in the next step moved it back.)
    drift = TOTPDevice.objects.get(user__login=login).drift
    response = anonymous.post(
        "/auth/token",
        {
            "login": login,
            "password": PASSWORD,
            "code": _code(secret, drift=drift + 1),
            "name": "phone",
        },
    )
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    assert token.startswith("pl_")
    api = ApiClient(Client(), token)

    me = api.get("/auth/me").json()
    assert me["login"] == login and me["second_factor"] is True

    response = api.post(
        "/registrations",
        {
            "basis": "safety",
            "us_address_line1": "1200 Main St",
            "us_city": "Houston",
            "us_state": "TX",
            "us_zip": "77002",
        },
    )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    assert response.json()["readiness"]["ready"] is False

    for index in range(3):
        data = complete_person_data(date_of_birth="1990-05-17", given_names=f"Person {index}")
        response = api.post(f"/registrations/{reference}/people", data)
        assert response.status_code == 201, response.content
        position = response.json()["position"]
        assert position == index + 1
        response = api.upload(
            f"/registrations/{reference}/evidence",
            {
                "kind": "photo",
                "person": str(position),
                "file": SimpleUploadedFile("me.png", png_bytes(), content_type="image/png"),
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["person"] == position

    detail = api.get(f"/registrations/{reference}").json()
    assert detail["people"] == 3 and detail["readiness"]["ready"] is True
    assert api.get(f"/registrations/{reference}/evidence").json()["count"] == 3

    response = api.post(f"/registrations/{reference}/submit")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted" and response.json()["submitted_at"]

    ports = anonymous.get("/ports").json()
    assert {p["code"] for p in ports} >= {"SYS"}

    body = {"registration": reference, "first_port": "SYS", **IN_AREA}
    first = api.post("/requests", body, headers={"Idempotency-Key": "3f2a9c1e-retry-me"})
    assert first.status_code == 201, first.content
    retry = api.post("/requests", body, headers={"Idempotency-Key": "3f2a9c1e-retry-me"})
    assert retry.status_code == 200, retry.content
    assert retry.json() == first.json()
    assert AppointmentRequest.objects.filter(registration__reference=reference).count() == 1

    listed = api.get("/requests").json()
    assert listed["count"] == 1 and listed["items"][0] == first.json()
    assert api.get(f"/requests/{first.json()['id']}").json() == first.json()

    actions = list(AuditRecord.objects.order_by("id").values_list("action", flat=True))
    assert actions[:3] == [
        "accounts.user.create",
        "accounts.totp.enrol_start",
        "accounts.totp.enrol_confirm",
    ]
    assert actions[-1] == "registrations.request.submit"

    assert api.post("/auth/token/revoke").status_code == 204
    assert api.get("/auth/me").status_code == 401


def test_idempotency_key_is_required_and_not_reused_for_another_request(applicant, applicant_api):
    from tests.api.test_access import submitted_registration

    reference = submitted_registration(applicant).reference
    body = {"registration": reference, "first_port": "SYS", **IN_AREA}
    key = {"Idempotency-Key": "key-1"}
    # The header is required (and marked so in the schema); the body has no such field.
    in_body = applicant_api.post("/requests", body | {"idempotency_key": "key-1"})
    assert in_body.status_code == 422
    assert set(in_body.json()["error"]["fields"]) == {"idempotency_key", "Idempotency-Key"}
    assert applicant_api.post("/requests", body, headers=key).status_code == 201
    assert applicant_api.post("/requests", body, headers=key).status_code == 200
    other = applicant_api.post("/requests", body | {"first_port": "BRO"}, headers=key)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    missing = applicant_api.post("/requests", body)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["error"]["fields"]


def test_request_without_a_location_is_refused_for_an_applicant(applicant, applicant_api):
    from tests.api.test_access import submitted_registration

    reference = submitted_registration(applicant).reference
    response = applicant_api.post(
        "/requests",
        {"registration": reference, "first_port": "SYS"},
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "location_required"
    assert not AppointmentRequest.objects.exists()


def test_owner_edits_a_draft(applicant, applicant_api):
    from tests.api.test_access import draft_registration

    registration = draft_registration(applicant, people=2)
    ref = registration.reference
    changed = applicant_api.patch(
        f"/registrations/{ref}", {"us_city": "Dallas", "basis": "medical"}
    )
    assert changed.status_code == 200 and changed.json()["us_city"] == "Dallas"
    assert changed.json()["us_zip"] == "77002"  # fields left out stay as they were
    person = applicant_api.patch(
        f"/registrations/{ref}/people/2", {"given_names": "Rosa", "email": None}
    )
    assert (
        person.status_code == 200
        and person.json()["given_names"] == "Rosa"
        and person.json()["email"] == ""
    )
    people = applicant_api.get(f"/registrations/{ref}/people").json()
    assert [p["position"] for p in people] == [1, 2]

    evidence = applicant_api.get(f"/registrations/{ref}/evidence").json()["items"]
    person_2_photo = next(e for e in evidence if e["person"] == 2)
    assert applicant_api.delete(f"/evidence/{person_2_photo['id']}").status_code == 204
    assert applicant_api.get(f"/evidence/{person_2_photo['id']}").status_code == 404
    assert applicant_api.delete(f"/registrations/{ref}/people/2").status_code == 204
    assert applicant_api.get(f"/registrations/{ref}/people/2").status_code == 404
    assert applicant_api.get(f"/registrations/{ref}").json()["people"] == 1
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {
        "registrations.registration.update",
        "registrations.person.update",
        "registrations.evidence.delete",
        "registrations.person.remove",
    } <= actions


def test_a_request_costs_a_bounded_number_of_queries_and_a_retry_fewer(
    applicant, applicant_api, settings, django_assert_max_num_queries
):
    """The write path's statements (docs/deployment.md, "Sizing"): 16 on PostgreSQL with the
    audit chain in its own process, BEGIN and COMMIT included (here, inside the test's
    transaction, a savepoint and its release); a retry with the same key answers from the
    lookup under the registration's lock and writes nothing."""
    from tests.api.test_access import submitted_registration

    settings.PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = False
    reference = submitted_registration(applicant).reference
    body = {"registration": reference, "first_port": "SYS", **IN_AREA}
    key = {"Idempotency-Key": "bounded-1"}
    with django_assert_max_num_queries(17):  # 16, and the token's first use is noted
        assert applicant_api.post("/requests", body, headers=key).status_code == 201
    with django_assert_max_num_queries(8):
        assert applicant_api.post("/requests", body, headers=key).status_code == 200
    assert AppointmentRequest.objects.count() == 1
    assert AuditRecord.objects.filter(action="registrations.request.submit").count() == 1


def test_an_empty_first_port_is_refused_with_422_and_stores_nothing(applicant, applicant_api):
    """The fuzzer found a 500 here: the schema now says a port code has a character at least."""
    from tests.api.test_access import submitted_registration

    reference = submitted_registration(applicant).reference
    response = applicant_api.post(
        "/requests",
        {"registration": reference, "first_port": "", **IN_AREA},
        headers={"Idempotency-Key": "empty-port"},
    )
    assert response.status_code == 422, response.content
    assert "first_port" in response.json()["error"]["fields"]
    assert not AppointmentRequest.objects.exists()
