import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from freezegun import freeze_time

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portline.inspection import selectors, services
from portline.inspection.documents import decision_document_content, decision_document_pdf
from portline.inspection.face import UnavailableFaceComparer, face_comparer
from portline.inspection.models import (
    Arrival,
    Decision,
    DecisionStatus,
    InspectionSettings,
)
from tests.factories.inspection import identity_checked, port_staff, submitted_group

pytestmark = pytest.mark.django_db
NOON = "2025-06-05 19:00:00"  # 12:00 in San Ysidro (UTC-7), a Thursday


def _arrived(officer, **fields):
    person = submitted_group(1, **fields)[0]
    services.walk_up_record(actor=officer, person=person)
    return person


def _identified(officer, **fields):
    """Arrived, and their identity checked: ready for a decision."""
    person = _arrived(officer, **fields)
    identity_checked(officer, person)
    return person


def _paroled(officer, **kwargs):
    person = _identified(officer)
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian", **kwargs
    )
    return person, decision


@freeze_time(NOON)
def test_walk_up_is_recorded_once_and_audited(officer):
    person = submitted_group(1)[0]
    arrival = services.walk_up_record(actor=officer, person=person, note="came early")
    assert arrival.kind == "walk_up" and arrival.service_date == dt.date(2025, 6, 5)
    assert AuditRecord.objects.filter(
        action="inspection.arrival.walk_up", target_id=str(arrival.pk)
    ).exists()
    before = AuditRecord.objects.count()
    with pytest.raises(Conflict):
        services.walk_up_record(actor=officer, person=person)
    assert Arrival.objects.count() == 1 and AuditRecord.objects.count() == before


@freeze_time(NOON)
def test_unregistered_walk_up_needs_a_name(officer):
    with pytest.raises(ValidationFailed):
        services.walk_up_record(actor=officer, name="  ")
    arrival = services.walk_up_record(actor=officer, name="Unregistered person", note="no phone")
    assert arrival.person is None and arrival.walk_up_name == "Unregistered person"


def test_database_refuses_two_arrivals_of_one_person_on_one_day(officer):
    person = submitted_group(1)[0]
    Arrival.objects.create(
        port=officer.port,
        person=person,
        service_date=dt.date(2025, 1, 1),
        kind="walk_up",
        status="arrived",
        recorded_by=officer,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Arrival.objects.create(
            port=officer.port,
            person=person,
            service_date=dt.date(2025, 1, 1),
            kind="walk_up",
            status="arrived",
            recorded_by=officer,
        )


def test_applicants_cannot_use_the_port_services(applicant):
    person = submitted_group(1)[0]
    with pytest.raises(PermissionDenied):
        services.walk_up_record(actor=applicant, person=person)


@freeze_time(NOON)
def test_identity_result_is_recorded_with_a_non_biometric_method(officer):
    person = _arrived(officer)
    check = services.identity_check_record(
        actor=officer,
        person=person,
        result="match",
        method="visual_document",
        document_examined="passport",
    )
    assert check.result == "match"
    assert AuditRecord.objects.filter(action="inspection.identity.record").count() == 1
    with pytest.raises(ValidationFailed):
        services.identity_check_record(
            actor=officer, person=person, result="maybe", method="visual"
        )


@freeze_time(NOON)
def test_face_model_method_is_refused_when_no_model_is_installed(officer):
    person = _arrived(officer)
    assert isinstance(face_comparer(), UnavailableFaceComparer)
    assert face_comparer().compare(reference=b"a", probe=b"b").available is False
    with pytest.raises(ValidationFailed):
        services.identity_check_record(
            actor=officer, person=person, result="match", method="face_model"
        )


@freeze_time(NOON)
def test_parole_defaults_to_two_years_with_reporting_conditions(officer):
    _person, decision = _paroled(officer)
    assert decision.status == DecisionStatus.FINAL
    assert decision.term_months == 24
    assert decision.term_start == dt.date(2025, 6, 5) and decision.term_end == dt.date(2027, 6, 4)
    assert decision.reporting_interval_days == 30 and decision.address_reporting
    assert decision.record_number.startswith("PL-SYS-2025-")
    assert AuditRecord.objects.filter(
        action="inspection.decision.record", target_id=str(decision.pk)
    ).exists()


@freeze_time(NOON)
def test_term_beyond_the_maximum_is_refused_and_nothing_changes(officer):
    person = _identified(officer)
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationFailed) as info:
        services.decision_record(
            actor=officer, person=person, kind="parole", reason_code="humanitarian", term_months=37
        )
    assert "term_months" in info.value.errors
    assert not Decision.objects.exists() and AuditRecord.objects.count() == before


@freeze_time(NOON)
def test_maximum_term_is_configurable(officer):
    InspectionSettings.objects.filter(pk=1).update(parole_max_months=48)
    person = _identified(officer)
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian", term_months=40
    )
    assert decision.term_end == dt.date(2028, 10, 4)


@freeze_time(NOON)
@pytest.mark.parametrize("reason", ["", "flight_risk"])
def test_decision_without_a_fitting_reason_code_is_refused(officer, reason):
    person = _identified(officer)
    with pytest.raises(ValidationFailed) as info:
        services.decision_record(actor=officer, person=person, kind="parole", reason_code=reason)
    assert "reason_code" in info.value.errors
    assert not Decision.objects.exists()


@freeze_time(NOON)
def test_decision_needs_an_arrival_first(officer):
    person = submitted_group(1)[0]
    with pytest.raises(Conflict):
        services.decision_record(
            actor=officer, person=person, kind="parole", reason_code="humanitarian"
        )


@freeze_time(NOON)
def test_second_decision_is_refused(officer):
    person, _decision = _paroled(officer)
    with pytest.raises(Conflict):
        services.decision_record(
            actor=officer, person=person, kind="return", reason_code="inadmissible"
        )


@freeze_time(NOON)
def test_detention_waits_for_a_supervisor_who_approves_with_a_reason(officer, supervisor):
    person = _identified(officer)
    decision = services.decision_record(
        actor=officer, person=person, kind="detention", reason_code="public_safety"
    )
    assert decision.status == DecisionStatus.PENDING_APPROVAL and decision.approval_grounds == [
        "kind:detention"
    ]
    assert list(selectors.pending_decisions(supervisor)) == [decision]
    with pytest.raises(ValidationFailed):
        services.decision_review(actor=supervisor, decision=decision, approve=True, reason=" ")
    with pytest.raises(PermissionDenied):
        services.decision_review(actor=officer, decision=decision, approve=True, reason="ok")
    approved = services.decision_review(
        actor=supervisor, decision=decision, approve=True, reason="risk confirmed"
    )
    assert approved.status == DecisionStatus.FINAL and approved.reviewed_by == supervisor
    assert AuditRecord.objects.filter(action="inspection.decision.approve").count() == 1
    with pytest.raises(Conflict):
        services.decision_review(actor=supervisor, decision=approved, approve=False, reason="again")


@freeze_time(NOON)
def test_supervisor_cannot_approve_their_own_decision(supervisor):
    person = _identified(supervisor)
    decision = services.decision_record(
        actor=supervisor, person=person, kind="detention", reason_code="flight_risk"
    )
    with pytest.raises(PermissionDenied):
        services.decision_review(actor=supervisor, decision=decision, approve=True, reason="mine")


@freeze_time(NOON)
def test_rejected_decision_makes_room_for_a_new_one(officer, supervisor):
    person = _identified(officer)
    decision = services.decision_record(
        actor=officer, person=person, kind="detention", reason_code="flight_risk"
    )
    services.decision_review(
        actor=supervisor, decision=decision, approve=False, reason="no evidence of risk"
    )
    again = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian"
    )
    assert again.status == DecisionStatus.FINAL


@freeze_time(NOON)
def test_supervisor_of_another_port_cannot_review(officer):
    person = _identified(officer)
    decision = services.decision_record(
        actor=officer, person=person, kind="detention", reason_code="flight_risk"
    )
    other = port_staff("BRO", role=Role.SUPERVISOR)
    with pytest.raises(NotFound):
        services.decision_review(actor=other, decision=decision, approve=True, reason="x")
    assert not selectors.pending_decisions(other).exists()


@freeze_time(NOON)
@pytest.mark.parametrize("language", ["es", "ht", "en", "fr", "pt"])
def test_decision_document_is_a_pdf_in_the_persons_language(officer, language):
    person = submitted_group(
        1, preferred_language=language, given_names="Jésus Ñandú", family_names="Pierre-Louis"
    )[0]
    services.walk_up_record(actor=officer, person=person)
    identity_checked(officer, person)
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian"
    )
    pdf = decision_document_pdf(decision)
    assert pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-64:]
    text = "\n".join(line for _style, line in decision_document_content(decision))
    assert decision.record_number in text and "2027-06-04" in text and "Jésus Ñandú" in text
    expected = {
        "es": "Libertad condicional",
        "ht": "Libète sou kondisyon",
        "en": "Parole",
        "fr": "Admission humanitaire (parole)",
        "pt": "Parole",
    }[language]
    assert expected in text
