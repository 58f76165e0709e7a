"""The person's rights: their own copy (JSON and PDF), who opened their file, and deletion of
a registration that never reached a port; with the refusals."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, NotFound
from portline.inspection.models import AddressChange, Arrival
from portline.privacy import services
from portline.privacy.export import export_data
from portline.privacy.models import DeletionRequest
from portline.registrations.models import RegistrationStatus, RequestStatus
from tests.conftest import verified_login
from tests.factories import PersonFactory, UserFactory
from tests.factories.appointments import submitted_registration
from tests.factories.inspection import confirmed_appointment, port_staff, submitted_group
from tests.privacy import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_case():
    """One applicant's registration with a record of every kind, and another applicant's."""
    owner = UserFactory()
    people = submitted_group(2, owner=owner, given_names="Rosa Elena", family_names="Paz Duarte")
    registration = people[0].registration
    officer = port_staff()
    records = {
        "evidence": [builders.evidence(p) for p in people],
        "appointment_requests": [
            builders.request(registration, days=40, status=RequestStatus.NOT_SELECTED)
        ],
        "location_checks": [builders.location_check(registration, days=40)],
    }
    appointment = confirmed_appointment(people=people)
    records["appointment_requests"].append(appointment.request)
    records["appointments"] = [appointment]
    records["confirmations"] = [builders.confirmation(appointment, p, days=1) for p in people]
    records["arrivals"] = [
        Arrival.objects.create(
            port=officer.port,
            person=p,
            appointment=appointment,
            service_date=appointment.service_date,
            kind="appointment",
            status="arrived",
            recorded_by=officer,
        )
        for p in people
    ]
    decision = builders.final_decision(people[0], officer, days=1)
    records["decisions"] = [decision]
    records["release_check_ins"] = [builders.check_in(decision, days=1)]
    records["address_changes"] = [
        AddressChange.objects.create(
            decision=decision,
            line1="55 Elm St",
            city="Dallas",
            state="TX",
            zip_code="75201",
            moved_on=builders.days_ago(2).date(),
            deadline=builders.days_ago(-5).date(),
            reported_by=owner,
        )
    ]
    other = submitted_registration()
    PersonFactory(registration=other, position=2, given_names="Otto", family_names="Quist")
    builders.evidence(other.people.first())
    builders.request(other, days=40, status=RequestStatus.NOT_SELECTED)
    return {"owner": owner, "registration": registration, "records": records, "other": other}


def test_the_copy_holds_every_record_about_them_and_nothing_about_others(full_case):
    registration = full_case["registration"]
    data = export_data(registration)
    assert data["registration"]["reference"] == registration.reference
    assert [p["id"] for p in data["people"]] == list(
        registration.people.order_by("position").values_list("pk", flat=True)
    )
    for section, rows in full_case["records"].items():
        assert sorted(r["id"] for r in data[section]) == sorted(r.pk for r in rows), section
    assert data["people"][0]["given_names"] == "Rosa Elena"
    assert data["address_changes"][0]["line1"] == "55 Elm St"
    text = json.dumps(data, ensure_ascii=False)
    other = full_case["other"]
    assert other.reference not in text
    assert "Otto" not in text and "Quist" not in text
    # Staff who recorded something appear by role only
    assert data["decisions"][0]["decided_by"] == {"role": "officer"}
    assert "officer SYS" not in text


def test_the_applicant_downloads_json_and_pdf_and_the_export_is_audited(full_case):
    owner, registration = full_case["owner"], full_case["registration"]
    client = verified_login(Client(), owner)
    response = client.get(f"/privacy/r/{registration.reference}/data.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content)["registration"]["reference"] == registration.reference
    response = client.get(f"/privacy/r/{registration.reference}/data.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert b"/Lang (es)" in response.content  # the main applicant's language (factory: es)
    exports = AuditRecord.objects.filter(action="privacy.export.create")
    assert [row.data["format"] for row in exports.order_by("seq")] == ["json", "pdf"]
    assert set(exports.values_list("actor_role", flat=True)) == {"applicant"}


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.PARTNER_STAFF, Role.OFFICER])
def test_a_download_by_someone_else_is_not_found_and_stores_nothing(full_case, role):
    registration = full_case["registration"]
    someone = port_staff() if role == Role.OFFICER else UserFactory(role=role)
    client = verified_login(Client(), someone)
    before = AuditRecord.objects.count()
    for path in ("data.json", "data.pdf", ""):
        assert client.get(f"/privacy/r/{registration.reference}/{path}").status_code == 404
    with pytest.raises(NotFound):
        services.personal_data_export(actor=someone, reference=registration.reference, fmt="json")
    assert AuditRecord.objects.count() == before


def test_deletion_of_a_case_that_reached_a_port_is_refused_with_the_reason(full_case):
    owner, registration = full_case["owner"], full_case["registration"]
    before = AuditRecord.objects.count()
    with pytest.raises(Conflict) as refused:
        services.deletion_request_create(actor=owner, reference=registration.reference)
    assert refused.value.code == "reached_port"
    assert "port of entry" in str(refused.value.message)
    assert not DeletionRequest.objects.exists()
    assert AuditRecord.objects.count() == before
    client = verified_login(Client(), owner)
    page = client.get(f"/privacy/r/{registration.reference}/")
    assert "cannot be deleted" in page.content.decode()
    response = client.post(f"/privacy/r/{registration.reference}/delete/", {"confirm": "on"})
    assert response.status_code == 400
    assert not DeletionRequest.objects.exists()


def test_deletion_is_refused_while_an_appointment_is_confirmed():
    owner = UserFactory()
    people = submitted_group(1, owner=owner)
    confirmed_appointment(people=people)
    with pytest.raises(Conflict) as refused:
        services.deletion_request_create(actor=owner, reference=people[0].registration.reference)
    assert refused.value.code == "live_appointment"


def test_deletion_of_someone_elses_registration_is_not_found():
    registration = submitted_registration()
    with pytest.raises(NotFound):
        services.deletion_request_create(actor=UserFactory(), reference=registration.reference)
    assert not DeletionRequest.objects.exists()


def test_a_deletion_request_withdraws_at_once_and_cancels_waiting_requests():
    owner = UserFactory()
    registration = submitted_registration(owner=owner)
    waiting = builders.request(registration, days=0, status=RequestStatus.PENDING)
    client = verified_login(Client(), owner)
    response = client.post(f"/privacy/r/{registration.reference}/delete/", {"confirm": "on"})
    assert response.status_code == 302
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert registration.status == RegistrationStatus.WITHDRAWN
    assert waiting.status == RequestStatus.CANCELLED
    assert DeletionRequest.objects.get().reference == registration.reference
    row = AuditRecord.objects.get(action="privacy.deletion.request")
    assert row.data == {
        "reference": registration.reference,
        "from": "submitted",
        "requests_cancelled": 1,
    }
    # Asking twice is refused
    with pytest.raises(Conflict):
        services.deletion_request_create(actor=owner, reference=registration.reference)


def test_the_deletion_form_needs_the_confirmation_box():
    owner = UserFactory()
    registration = submitted_registration(owner=owner)
    client = verified_login(Client(), owner)
    response = client.post(f"/privacy/r/{registration.reference}/delete/", {})
    assert response.status_code == 400
    assert not DeletionRequest.objects.exists()


def test_the_access_history_names_roles_never_staff(full_case):
    owner, registration = full_case["owner"], full_case["registration"]
    officer = UserFactory(
        role=Role.OFFICER, port=port_staff().port, display_name="Inspector Jane Roe"
    )
    officer_client = verified_login(Client(), officer)
    assert officer_client.get(f"/officer/people/{registration.reference}/1/").status_code == 200
    client = verified_login(Client(), owner)
    page = client.get(f"/privacy/r/{registration.reference}/").content.decode()
    assert "Port officer" in page and "Opened the case file" in page
    assert "Jane Roe" not in page
    api = client.get(f"/api/v1/registrations/{registration.reference}/access-history")
    assert api.status_code == 200
    assert api.json()[0]["role"] == "officer" and api.json()[0]["what"] == "case_file"


def test_the_api_export_and_deletion_request(full_case):
    owner = UserFactory()
    registration = submitted_registration(owner=owner)
    client = verified_login(Client(), owner)
    response = client.get(f"/api/v1/registrations/{registration.reference}/personal-data")
    assert response.status_code == 200
    assert response.json()["registration"]["reference"] == registration.reference
    pdf = client.get(f"/api/v1/registrations/{registration.reference}/personal-data.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    other = full_case["registration"]
    assert client.get(f"/api/v1/registrations/{other.reference}/personal-data").status_code == 404
    refused = client.post(
        f"/api/v1/registrations/{other.reference}/deletion-request",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert refused.status_code == 404
    mine_owner = verified_login(Client(), full_case["owner"])
    refused = mine_owner.post(
        f"/api/v1/registrations/{other.reference}/deletion-request", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "reached_port"
    created = client.post(f"/api/v1/registrations/{registration.reference}/deletion-request")
    assert created.status_code == 201 and created.json()["status"] == "pending"


def test_a_hold_is_set_and_lifted_only_by_supervisors_and_administrators(full_case):
    registration = full_case["registration"]
    officer = port_staff()
    with pytest.raises(Exception) as refused:
        services.legal_hold_set(actor=officer, reference=registration.reference, reason="x")
    assert refused.value.code == "forbidden"
    supervisor = port_staff(role=Role.SUPERVISOR)
    client = verified_login(Client(), supervisor)
    response = client.post(
        "/privacy/holds/", {"reference": registration.reference, "reason": "Subpoena 44"}
    )
    assert response.status_code == 302
    assert AuditRecord.objects.filter(action="privacy.hold.set").count() == 1
    again = client.post(
        "/privacy/holds/", {"reference": registration.reference, "reason": "Subpoena 44"}
    )
    assert again.status_code == 400 and "already under a legal hold" in again.content.decode()
    lifted = client.post(
        "/privacy/holds/lift/", {"reference": registration.reference, "reason": "Closed"}
    )
    assert lifted.status_code == 302
    assert AuditRecord.objects.filter(action="privacy.hold.lift").count() == 1
    # Another port's supervisor cannot find the case
    elsewhere = port_staff(code="BRO", role=Role.SUPERVISOR)
    with pytest.raises(NotFound), transaction.atomic():
        services.legal_hold_set(actor=elsewhere, reference=registration.reference, reason="x")
