import json

import pytest
from freezegun import freeze_time

from portline.common import clock
from portline.common.errors import Conflict, ValidationFailed
from portline.inspection import selectors, services
from portline.inspection.models import DecisionStatus
from portline.screening.importer import parse_file
from portline.screening.models import ScreeningRun
from portline.screening.services import watchlist_import
from tests.factories.inspection import confirmed_appointment, identity_checked, submitted_group

pytestmark = pytest.mark.django_db
NOON = "2025-06-05 19:00:00"


def _listed(name="María José García López", dob="1990-05-17", nationality="HN"):
    content = json.dumps(
        [{"name": name, "date_of_birth": dob, "nationality": nationality, "reason": "test listing"}]
    ).encode()
    parsed = parse_file(content, filename="list.json", today=clock.now().date())
    watchlist_import(actor=None, name="test-list", parsed=parsed)


@freeze_time(NOON)
def test_arrival_screens_the_person_and_shows_explained_hits(officer):
    _listed()
    appointment = confirmed_appointment()
    person = appointment.registration.people.get()
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    run = ScreeningRun.objects.get(person=person)
    assert run.trigger == "check_in" and run.actor == officer
    hits = selectors.screening_hits_for(person)
    assert len(hits) == 1 and hits[0].status == "open" and hits[0].score > 0
    assert any("Date of birth matches" in line for line in hits[0].explanation_lines)


@freeze_time(NOON)
def test_no_decision_while_a_hit_is_open_then_true_match_needs_a_supervisor(officer, supervisor):
    _listed()
    appointment = confirmed_appointment()
    person = appointment.registration.people.get()
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    identity_checked(officer, person)
    with pytest.raises(Conflict):
        services.decision_record(
            actor=officer, person=person, kind="parole", reason_code="humanitarian"
        )
    hit = selectors.screening_hits_for(person)[0]
    with pytest.raises(ValidationFailed):
        services.screening_hit_adjudicate(
            actor=officer, person=person, hit_id=hit.pk, decision="true_match", reason=" "
        )
    services.screening_hit_adjudicate(
        actor=officer,
        person=person,
        hit_id=hit.pk,
        decision="true_match",
        reason="Same name, date and nationality.",
    )
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian"
    )
    assert decision.status == DecisionStatus.PENDING_APPROVAL and decision.approval_grounds == [
        "confirmed_watchlist_match"
    ]
    approved = services.decision_review(
        actor=supervisor, decision=decision, approve=True, reason="Reviewed the match."
    )
    assert approved.status == DecisionStatus.FINAL


@freeze_time(NOON)
def test_false_match_lets_the_decision_be_final(officer):
    _listed()
    appointment = confirmed_appointment()
    person = appointment.registration.people.get()
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    identity_checked(officer, person)
    hit = selectors.screening_hits_for(person)[0]
    services.screening_hit_adjudicate(
        actor=officer,
        person=person,
        hit_id=hit.pk,
        decision="false_match",
        reason="Different person: photo and document.",
    )
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian"
    )
    assert decision.status == DecisionStatus.FINAL


@freeze_time(NOON)
def test_a_clean_person_has_no_hits(officer):
    _listed(name="Completely Different Name", dob="1950-01-01", nationality="RU")
    person = submitted_group(1)[0]
    appointment = confirmed_appointment(people=[person])
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    assert selectors.screening_hits_for(person) == []
