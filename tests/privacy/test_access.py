"""Reads of personal data are in the audit log; refused reads store nothing; supervisors see
unusual access."""

from __future__ import annotations

import pytest
from django.test import Client

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.audit.selectors import audit_verify
from portline.inspection.models import Arrival
from portline.privacy.selectors import unusual_access
from tests.conftest import verified_login
from tests.factories import UserFactory, consent_record_for
from tests.factories.inspection import confirmed_appointment, port_staff, submitted_group
from tests.privacy import builders

pytestmark = pytest.mark.django_db

READS = ("privacy.case_file.read", "privacy.evidence.read", "privacy.confirmation_photo.read")


@pytest.fixture
def case():
    owner = UserFactory()
    people = submitted_group(1, owner=owner)
    appointment = confirmed_appointment(people=people)  # at SYS, today
    return {
        "owner": owner,
        "person": people[0],
        "registration": people[0].registration,
        "evidence": builders.evidence(people[0]),
        "confirmation": builders.confirmation(appointment, people[0], days=0),
    }


def _reads():
    return list(
        AuditRecord.objects.filter(action__in=READS)
        .order_by("id")  # written order (the sequencer may not have chained them yet)
        .values_list("action", "actor_role", "target_id", "data")
    )


def test_opening_a_case_file_and_its_documents_is_audited(case):
    officer = port_staff()
    client = verified_login(Client(), officer)
    reference, pk = case["registration"].reference, str(case["registration"].pk)
    assert client.get(f"/officer/people/{reference}/1/").status_code == 200
    for url in (
        f"/officer/evidence/{case['evidence'].pk}/",
        f"/officer/confirmation-photos/{case['confirmation'].pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content)  # read to the end: the file is closed
    assert _reads() == [
        ("privacy.case_file.read", "officer", pk, {"reference": reference, "position": 1}),
        (
            "privacy.evidence.read",
            "officer",
            pk,
            {"reference": reference, "evidence": case["evidence"].pk, "kind": "photo"},
        ),
        (
            "privacy.confirmation_photo.read",
            "officer",
            pk,
            {"reference": reference, "confirmation": case["confirmation"].pk},
        ),
    ]
    assert AuditRecord.objects.filter(action__in=READS, actor=officer).count() == 3
    assert audit_verify().ok


def test_reads_through_the_api_are_audited(case):
    officer = port_staff()
    client = verified_login(Client(), officer)
    reference = case["registration"].reference
    assert client.get(f"/api/v1/registrations/{reference}").status_code == 200
    assert client.get(f"/api/v1/evidence/{case['evidence'].pk}/file").status_code == 200
    assert [row[0] for row in _reads()] == ["privacy.case_file.read", "privacy.evidence.read"]


def test_a_refused_read_stores_nothing(case):
    elsewhere = port_staff(code="BRO")
    client = verified_login(Client(), elsewhere)
    before = AuditRecord.objects.count()
    reference = case["registration"].reference
    assert client.get(f"/officer/people/{reference}/1/").status_code == 404
    assert client.get(f"/officer/evidence/{case['evidence'].pk}/").status_code == 404
    assert client.get(f"/api/v1/registrations/{reference}").status_code == 404
    assert client.get(f"/api/v1/evidence/{case['evidence'].pk}/file").status_code == 404
    assert AuditRecord.objects.count() == before


def test_the_applicants_own_views_are_not_recorded_as_access(case):
    client = verified_login(Client(), case["owner"])
    reference = case["registration"].reference
    response = client.get(f"/apply/r/{reference}/documents/{case['evidence'].pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
    assert _reads() == []


def test_partner_staff_downloading_evidence_is_audited():
    partner = UserFactory(role=Role.PARTNER_STAFF)
    people = submitted_group(1)
    registration = people[0].registration
    type(registration).objects.filter(pk=registration.pk).update(partner=partner.partner)
    registration.refresh_from_db()
    consent_record_for(registration, recorded_by=partner)
    document = builders.evidence(people[0])
    client = verified_login(Client(), partner)
    response = client.get(f"/apply/r/{registration.reference}/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
    assert [(row[0], row[1]) for row in _reads()] == [("privacy.evidence.read", "partner_staff")]


def _open_cases(client, count: int, *, arrived: bool, officer) -> None:
    for _n in range(count):
        people = submitted_group(1)
        appointment = confirmed_appointment(people=people)
        if arrived:
            Arrival.objects.create(
                port=officer.port,
                person=people[0],
                appointment=appointment,
                service_date=appointment.service_date,
                kind="appointment",
                status="arrived",
                recorded_by=officer,
            )
        reference = people[0].registration.reference
        assert client.get(f"/officer/people/{reference}/1/").status_code == 200


def test_supervisors_see_officers_reading_many_cases_outside_arrivals(settings):
    settings.PORTLINE_ACCESS_UNUSUAL_READS = 3
    curious = UserFactory(role=Role.OFFICER, port=port_staff().port, display_name="Officer A")
    diligent = UserFactory(role=Role.OFFICER, port=curious.port, display_name="Officer B")
    _open_cases(verified_login(Client(), curious), 4, arrived=False, officer=curious)
    _open_cases(verified_login(Client(), diligent), 5, arrived=True, officer=diligent)
    supervisor = port_staff(role=Role.SUPERVISOR)
    found = unusual_access(supervisor)
    assert [(r.display_name, r.outside_count, r.reads) for r in found] == [("Officer A", 4, 4)]
    page = verified_login(Client(), supervisor).get("/privacy/access/")
    assert page.status_code == 200 and "Officer A" in page.content.decode()
    assert "Officer B" not in page.content.decode()
    # Officers, and supervisors of another port, do not get the list
    assert verified_login(Client(), curious).get("/privacy/access/").status_code == 404
    other = port_staff(code="BRO", role=Role.SUPERVISOR)
    assert unusual_access(other) == []


def test_the_retention_runs_page_is_for_the_program_administrator():
    admin = UserFactory(role=Role.PROGRAM_ADMIN)
    assert verified_login(Client(), admin).get("/privacy/retention/").status_code == 200
    assert verified_login(Client(), port_staff()).get("/privacy/retention/").status_code == 404
