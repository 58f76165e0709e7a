"""What a mobile-app developer relies on: every applicant action of the web pages has its API
call (listed side by side), phone numbers are read as people write them, sign-up completes
with one code, the schema says which headers are required, and an appointment can be given up.
"""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import totp
from freezegun import freeze_time

from portline.api.v1.api import api
from portline.appointments.models import AppointmentStatus
from portline.registrations.models import Person
from tests.api.conftest import ApiClient, api_client_for, error_of
from tests.appointments.test_services import NOW, _offer
from tests.factories import RegistrationFactory, complete_person_data

# Each web URL an applicant uses (namespace:name) beside the API operation(s) that do the same.
# A new applicant page without an entry here fails the test below: add its API call first.
WEB_TO_API: dict[str, list[tuple[str, str]]] = {
    "applicant:home": [("GET", "/registrations"), ("GET", "/requests")],
    "applicant:start": [("POST", "/registrations")],
    "applicant:review": [
        ("GET", "/registrations/{reference}"),
        ("POST", "/registrations/{reference}/submit"),
    ],
    "applicant:group": [("PATCH", "/registrations/{reference}")],
    "applicant:people": [("GET", "/registrations/{reference}/people")],
    "applicant:person_new": [("POST", "/registrations/{reference}/people")],
    "applicant:person": [
        ("GET", "/registrations/{reference}/people/{position}"),
        ("PATCH", "/registrations/{reference}/people/{position}"),
    ],
    "applicant:person_remove": [("DELETE", "/registrations/{reference}/people/{position}")],
    "applicant:evidence": [
        ("GET", "/registrations/{reference}/evidence"),
        ("POST", "/registrations/{reference}/evidence"),
    ],
    "applicant:evidence_download": [("GET", "/evidence/{evidence_id}/file")],
    "applicant:evidence_remove": [("DELETE", "/evidence/{evidence_id}")],
    "applicant:request": [("POST", "/requests"), ("GET", "/ports"), ("GET", "/places")],
    "applicant:check_ins": [("GET", "/release/cases")],
    "applicant:organizations": [("GET", "/consents")],
    "applicant:organization_withdraw": [("POST", "/consents/{consent_id}/withdraw")],
    "applicant:check_in": [
        ("GET", "/release/cases/{record_number}"),
        ("POST", "/release/cases/{record_number}/check-ins"),
        ("POST", "/release/cases/{record_number}/address"),
    ],
    "appointments:verify": [("POST", "/appointments/verify")],
    "appointments:status": [("GET", "/appointments"), ("GET", "/requests/{request_id}")],
    "appointments:detail": [("GET", "/appointments/{confirmation_number}")],
    "appointments:confirm_person": [
        ("POST", "/appointments/{confirmation_number}/people/{position}/confirm")
    ],
    "appointments:pdf": [("GET", "/appointments/{confirmation_number}/pdf")],
    "appointments:cancel": [("POST", "/appointments/{confirmation_number}/cancel")],
    "accounts:signup": [("POST", "/auth/signup")],
    "accounts:setup": [("POST", "/auth/totp/start"), ("POST", "/auth/totp/confirm")],
    "accounts:login": [("POST", "/auth/token")],
    "accounts:second_factor": [("POST", "/auth/token")],
    "accounts:logout": [("POST", "/auth/token/revoke")],
    "accounts:language": [("PATCH", "/auth/me")],
    "accounts:home": [("GET", "/auth/me")],
}
APPLICANT_NAMESPACES = ("applicant", "appointments", "accounts")


def _web_names() -> set[str]:
    names: set[str] = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in APPLICANT_NAMESPACES:
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name:
                    names.add(f"{entry.namespace}:{pattern.name}")
    return names


def _api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_applicant_web_action_has_its_api_call_side_by_side():
    web = _web_names()
    assert "applicant:request" in web and "appointments:cancel" in web  # the walk finds them
    missing_from_table = sorted(web - set(WEB_TO_API))
    assert not missing_from_table, (
        f"web pages without an API counterpart listed: {missing_from_table}"
    )
    operations = _api_operations()
    missing_calls = sorted(
        (name, call)
        for name, calls in WEB_TO_API.items()
        for call in calls
        if call not in operations
    )
    assert not missing_calls, f"API operations the table names but the API lacks: {missing_calls}"
    assert not sorted(set(WEB_TO_API) - web), "the table names web pages that no longer exist"


def test_the_schema_marks_the_idempotency_key_required_as_the_server_does(applicant_api):
    parameters = api.get_openapi_schema()["paths"]["/api/v1/requests"]["post"]["parameters"]
    (key,) = [p for p in parameters if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and key["required"] is True
    response = applicant_api.post("/requests", {"registration": "X" * 10, "first_port": "SYS"})
    assert response.status_code == 422
    assert "Idempotency-Key" in str(error_of(response))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("+52 55 1234 5678", "+525512345678"),
        ("+52-55-1234-5678", "+525512345678"),
        ("0052 (55) 1234.5678", "+525512345678"),
        ("+525512345678", "+525512345678"),
    ],
)
def test_the_api_reads_phone_numbers_as_the_pages_do(applicant, written, stored):
    api_client = api_client_for(applicant)
    registration = RegistrationFactory(owner=applicant, created_by=applicant)
    data = complete_person_data(date_of_birth="1990-05-17") | {"phone": written}
    response = api_client.post(f"/registrations/{registration.reference}/people", data)
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == stored
    assert Person.objects.get(registration=registration).phone == stored


@pytest.mark.django_db
def test_a_phone_number_without_its_country_code_is_refused_in_the_callers_language(applicant):
    api_client = api_client_for(applicant)
    registration = RegistrationFactory(owner=applicant, created_by=applicant)
    data = complete_person_data(date_of_birth="1990-05-17") | {"phone": "55 1234 5678"}
    response = api_client.post(
        f"/registrations/{registration.reference}/people", data, {"Accept-Language": "es"}
    )
    assert response.status_code == 422
    assert "phone" in error_of(response)["fields"]
    assert not Person.objects.filter(registration=registration).exists()


def _code(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


@pytest.mark.django_db
def test_api_sign_up_completes_with_one_fresh_code():
    anonymous = ApiClient(Client())
    login, password = "rose@example.org", "a-long-and-unusual-passphrase"
    assert anonymous.post("/auth/signup", {"login": login, "password": password}).status_code == 201
    secret = anonymous.post("/auth/totp/start", {"login": login, "password": password}).json()[
        "secret"
    ]
    code = _code(secret)
    response = anonymous.post(
        "/auth/totp/confirm", {"login": login, "password": password, "code": code, "name": "app"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["backup_codes"]) == 8 and body["token"].startswith("pl_")
    me = ApiClient(Client(), body["token"]).get("/auth/me")
    assert me.status_code == 200 and me.json()["second_factor"] is True
    # The code is spent: it cannot issue a second token.
    again = anonymous.post(
        "/auth/token", {"login": login, "password": password, "code": code, "name": "again"}
    )
    assert again.status_code == 401


@pytest.mark.django_db
def test_an_appointment_is_given_up_through_the_api_as_on_the_page():
    with freeze_time(NOW):
        _round, (offered,) = _offer(people=(2,))
        owner = api_client_for(offered.registration.owner)
        number = offered.confirmation_number
        response = owner.post(f"/appointments/{number}/cancel")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == AppointmentStatus.CANCELLED
        offered.refresh_from_db()
        assert offered.status == AppointmentStatus.CANCELLED
        again = owner.post(f"/appointments/{number}/cancel")
        assert again.status_code == 409 and error_of(again)["code"] == "not_active"
        stranger = api_client_for(RegistrationFactory().owner)
        assert stranger.post(f"/appointments/{number}/cancel").status_code == 404
