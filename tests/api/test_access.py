"""Who may see and do what, through the API: scoping, guessed ids, roles, sessions, CSRF."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from portline.accounts.models import Role
from portline.accounts.services import api_token_create
from portline.geofence import services as geofence
from portline.registrations import services
from portline.registrations.models import EvidenceKind, Registration
from portline.scheduling.models import Port
from tests.api.conftest import API, IN_AREA, ApiClient, api_client_for, error_of
from tests.conftest import verified_login
from tests.factories import UserFactory, complete_person_data, png_bytes
from tests.factories.inspection import confirmed_appointment

pytestmark = pytest.mark.django_db


def draft_registration(actor, people: int = 1) -> Registration:
    registration = services.registration_create(
        actor=actor,
        data={
            "basis": "safety",
            "us_address_line1": "1 Main St",
            "us_city": "Houston",
            "us_state": "TX",
            "us_zip": "77002",
        },
    )
    for _ in range(people):
        person = services.person_add(
            actor=actor, registration=registration, data=complete_person_data()
        )
        services.evidence_upload(
            actor=actor,
            registration=registration,
            person=person,
            kind=EvidenceKind.PHOTO,
            filename="me.png",
            content=png_bytes(),
        )
    return registration


def submitted_registration(actor) -> Registration:
    return services.registration_submit(actor=actor, registration=draft_registration(actor))


@pytest.fixture
def applicant_a_things(applicant):
    """Applicant A's submitted registration, its person, evidence and request."""
    registration = submitted_registration(applicant)
    request, _created = geofence.request_submit(
        actor=applicant,
        registration=registration,
        first_port=Port.objects.get(code="SYS"),
        idempotency_key="a-1",
        **IN_AREA,
    )
    return {
        "registration": registration,
        "person": registration.people.get(),
        "evidence": registration.evidence.get(),
        "request": request,
    }


def _guessed_urls(things) -> list[str]:
    ref = things["registration"].reference
    return [
        f"/registrations/{ref}",
        f"/registrations/{ref}/people",
        f"/registrations/{ref}/people/1",
        f"/registrations/{ref}/evidence",
        f"/evidence/{things['evidence'].pk}",
        f"/evidence/{things['evidence'].pk}/file",
        f"/requests/{things['request'].pk}",
    ]


def test_owner_reads_everything_of_their_own(applicant_api, applicant_a_things):
    for url in _guessed_urls(applicant_a_things):
        assert applicant_api.get(url).status_code == 200, url
    download = applicant_api.get(f"/evidence/{applicant_a_things['evidence'].pk}/file")
    assert download["Content-Type"] == "image/png"
    assert download.content == png_bytes()
    assert download["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.PARTNER_STAFF, Role.PROGRAM_ADMIN, Role.ANALYST]
)
def test_others_get_404_for_guessed_ids(applicant_a_things, role):
    other = api_client_for(UserFactory(role=role))
    for url in _guessed_urls(applicant_a_things):
        response = other.get(url)
        assert response.status_code == 404, (role, url, response.content)
        assert error_of(response)["code"] == "not_found"
    assert other.get("/registrations").json()["count"] == 0
    assert other.get("/requests").json()["count"] == 0


def test_applicant_b_cannot_change_a_s_things(applicant_a_things):
    b = api_client_for(UserFactory())
    ref = applicant_a_things["registration"].reference
    assert b.patch(f"/registrations/{ref}", {"us_city": "Dallas"}).status_code == 404
    assert b.patch(f"/registrations/{ref}/people/1", {"given_names": "X"}).status_code == 404
    assert b.delete(f"/registrations/{ref}/people/1").status_code == 404
    assert b.delete(f"/evidence/{applicant_a_things['evidence'].pk}").status_code == 404
    assert b.post(f"/registrations/{ref}/submit").status_code == 404
    upload = b.upload(f"/registrations/{ref}/evidence", {"kind": "photo", "file": _png_file()})
    assert upload.status_code == 404
    request = b.post(
        "/requests", {"registration": ref, "first_port": "SYS"}, headers={"Idempotency-Key": "b-1"}
    )
    assert request.status_code == 404


def _png_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")


def test_port_officer_sees_registrations_for_their_port_but_cannot_change_them(applicant_a_things):
    officer = api_client_for(UserFactory(role=Role.OFFICER))  # port SYS, where A asked
    ref = applicant_a_things["registration"].reference
    assert officer.get(f"/registrations/{ref}").status_code == 404  # asking is not enough
    confirmed_appointment(people=[applicant_a_things["person"]], port_code="SYS")
    assert officer.get(f"/registrations/{ref}").status_code == 200
    response = officer.patch(f"/registrations/{ref}", {"us_city": "Dallas"})
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.PROGRAM_ADMIN])
def test_staff_other_than_partners_cannot_create_registrations(role):
    staff = api_client_for(UserFactory(role=role))
    response = staff.post("/registrations", {"basis": "safety"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert not Registration.objects.exists()


def test_partner_staff_work_for_their_organization_only():
    partner_staff = UserFactory(role=Role.PARTNER_STAFF)
    colleague = UserFactory(role=Role.PARTNER_STAFF, partner=partner_staff.partner)
    outsider = UserFactory(role=Role.PARTNER_STAFF)
    api = api_client_for(partner_staff)
    refused = api.post("/registrations", {"basis": "medical"})
    assert refused.status_code == 422 and "consent_medium" in str(refused.json())
    consent = {"medium": "screen", "language": "es", "given_on": "2026-01-05"}
    created = api.post("/registrations", {"basis": "medical", "consent": consent})
    assert created.status_code == 201
    ref = created.json()["reference"]
    assert created.json()["partner"] == partner_staff.partner.name
    assert api.post(f"/registrations/{ref}/people", complete_person_data()).status_code == 201
    assert api_client_for(colleague).get(f"/registrations/{ref}/people/1").status_code == 200
    assert api_client_for(outsider).get(f"/registrations/{ref}").status_code == 404


def test_unauthenticated_calls_get_401(applicant_a_things):
    anonymous = ApiClient(Client())
    ref = applicant_a_things["registration"].reference
    for method, url in [
        ("get", "/auth/me"),
        ("get", "/registrations"),
        ("post", "/registrations"),
        ("get", f"/registrations/{ref}"),
        ("get", "/requests"),
        ("post", "/requests"),
        ("get", f"/evidence/{applicant_a_things['evidence'].pk}/file"),
    ]:
        response = getattr(anonymous, method)(url)
        assert response.status_code == 401, (method, url)
        assert error_of(response)["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["pl_not-a-real-token", "nonsense", ""])
def test_wrong_tokens_get_401(token):
    response = Client().get(f"{API}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_revoked_and_expired_tokens_stop_working(applicant):
    import datetime as dt

    from portline.accounts.models import ApiToken

    token, raw = api_token_create(user=applicant)
    api = ApiClient(Client(), raw)
    assert api.get("/auth/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=token.created_at - dt.timedelta(seconds=1)
    )
    assert api.get("/auth/me").status_code == 401


def test_staff_token_needs_a_confirmed_authenticator():
    officer = UserFactory(role=Role.OFFICER)
    _token, raw = api_token_create(user=officer)
    api = ApiClient(Client(), raw)
    assert api.get("/auth/me").status_code == 200
    officer.totpdevice_set.all().delete()
    assert api.get("/auth/me").status_code == 401


def test_session_needs_a_verified_second_factor(client, applicant):
    client.force_login(applicant)  # password only
    response = client.get(f"{API}/auth/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "second_factor_required"
    verified_login(client, applicant)
    assert client.get(f"{API}/auth/me").json()["login"] == applicant.login


def test_session_writes_need_the_csrf_token(applicant):
    client = Client(enforce_csrf_checks=True)
    verified_login(client, applicant)
    body = json.dumps({"basis": "safety"})
    refused = client.post(f"{API}/registrations", body, content_type="application/json")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf_failed"
    assert not Registration.objects.exists()

    client.get(f"{API}/docs")  # any page that uses the token sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        f"{API}/registrations",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201, accepted.content
    # Reads need no token.
    assert client.get(f"{API}/registrations").status_code == 200


def test_bearer_token_calls_need_no_csrf_token(applicant):
    _token, raw = api_token_create(user=applicant)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"{API}/registrations",
        "{}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201
