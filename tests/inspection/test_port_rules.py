"""Rules at the port: a group is checked in all or none, a decision needs an identity result,
and a no-show is recorded only from the appointment's time on, after a confirmation."""

import datetime as dt

import pytest
from django.urls import reverse
from freezegun import freeze_time

from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, ValidationFailed
from portline.inspection import services
from portline.inspection.models import Arrival, ArrivalStatus, Decision, IdentityCheck
from tests.conftest import verified_login
from tests.factories.inspection import confirmed_appointment, identity_checked

pytestmark = pytest.mark.django_db
NOON = "2025-06-05 19:00:00"  # 12:00 in San Ysidro (UTC-7)


@pytest.fixture
def officer_client(client, officer):
    return verified_login(client, officer)


def _third_already_in(officer):
    appointment = confirmed_appointment(size=3)
    people = list(appointment.registration.people.order_by("position"))
    services.arrival_record(actor=officer, appointment=appointment, person=people[2])
    return appointment, people


@freeze_time(NOON)
def test_group_check_in_is_all_or_nothing_when_the_third_person_fails(officer):
    appointment, people = _third_already_in(officer)
    arrivals_before, audit_before = Arrival.objects.count(), AuditRecord.objects.count()
    with pytest.raises(Conflict):
        services.group_check_in(actor=officer, appointment=appointment, people=people)
    assert Arrival.objects.count() == arrivals_before == 1
    assert AuditRecord.objects.count() == audit_before
    assert not Arrival.objects.filter(person__in=people[:2]).exists()


@freeze_time(NOON)
def test_whole_group_on_the_page_checks_in_nobody_when_one_fails(officer_client, officer):
    appointment, people = _third_already_in(officer)
    response = officer_client.post(
        reverse("officer:group", args=[appointment.confirmation_number]),
        {"person": "all", "action": "arrive"},
    )
    assert response.status_code == 409
    assert "already checked in" in response.content.decode()
    assert list(Arrival.objects.values_list("person_id", flat=True)) == [people[2].pk]


@freeze_time(NOON)
def test_whole_group_checks_in_together(officer):
    appointment = confirmed_appointment(size=3)
    people = list(appointment.registration.people.order_by("position"))
    checked = services.group_check_in(actor=officer, appointment=appointment, people=people)
    assert [a.person_id for a in checked.arrivals] == [p.pk for p in people]
    assert {a.appointment_id for a in checked.arrivals} == {appointment.pk}
    assert AuditRecord.objects.filter(action="inspection.arrival.record").count() == 3


@freeze_time(NOON)
def test_a_decision_needs_an_identity_result_first(officer):
    appointment = confirmed_appointment(size=1)
    person = appointment.registration.people.get()
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    audit_before = AuditRecord.objects.count()
    with pytest.raises(Conflict) as info:
        services.decision_record(
            actor=officer, person=person, kind="parole", reason_code="humanitarian"
        )
    assert "identity" in str(info.value.message)
    assert Decision.objects.count() == 0 and AuditRecord.objects.count() == audit_before
    identity_checked(officer, person)
    decision = services.decision_record(
        actor=officer, person=person, kind="parole", reason_code="humanitarian"
    )
    assert decision.status == "final"


@freeze_time(NOON)
def test_unable_to_verify_needs_the_reason_and_then_allows_a_decision(officer):
    appointment = confirmed_appointment(size=1)
    person = appointment.registration.people.get()
    services.arrival_record(actor=officer, appointment=appointment, person=person)
    with pytest.raises(ValidationFailed) as info:
        services.identity_check_record(
            actor=officer, person=person, result="unable", method="visual", note="  "
        )
    assert "note" in info.value.errors
    assert IdentityCheck.objects.count() == 0
    identity_checked(officer, person, result="unable")
    decision = services.decision_record(
        actor=officer, person=person, kind="return", reason_code="identity_unverified"
    )
    assert decision.kind == "return"


@freeze_time(NOON)
def test_no_show_is_refused_before_the_appointment_time(officer):
    later_today = confirmed_appointment(size=1, slot_hour=15)
    person = later_today.registration.people.get()
    with pytest.raises(ValidationFailed):
        services.arrival_no_show(actor=officer, appointment=later_today, person=person)
    assert Arrival.objects.count() == 0
    with freeze_time("2025-06-05 22:00:00"):  # 15:00 in San Ysidro
        arrival = services.arrival_no_show(actor=officer, appointment=later_today, person=person)
    assert arrival.status == ArrivalStatus.NO_SHOW and arrival.appointment_id == later_today.pk


@freeze_time(NOON)
def test_no_show_is_not_offered_for_tomorrow(officer_client):
    tomorrow = confirmed_appointment(size=1, service_date=dt.date(2025, 6, 6))
    page = officer_client.get(reverse("officer:group", args=[tomorrow.confirmation_number]))
    assert page.status_code == 200 and 'value="no_show"' not in page.content.decode()
    response = officer_client.post(
        reverse("officer:group", args=[tomorrow.confirmation_number]),
        {"person": "1", "action": "no_show", "confirm": "yes"},
    )
    assert response.status_code == 422
    assert Arrival.objects.count() == 0


@freeze_time(NOON)
def test_no_show_needs_a_confirmation_step(officer_client):
    earlier = confirmed_appointment(size=1, slot_hour=9)
    url = reverse("officer:group", args=[earlier.confirmation_number])
    page = officer_client.get(url)
    assert 'value="no_show"' in page.content.decode()
    asked = officer_client.post(url, {"person": "1", "action": "no_show"})
    assert asked.status_code == 200
    assert "Confirm the no-show" in asked.content.decode()
    assert Arrival.objects.count() == 0
    done = officer_client.post(url, {"person": "1", "action": "no_show", "confirm": "yes"})
    assert done.status_code == 302
    assert Arrival.objects.get().status == ArrivalStatus.NO_SHOW


def test_case_file_has_no_reflective_lookup_of_integrity_flags():
    from portline.inspection import selectors

    assert not hasattr(selectors, "integrity_flags_for")
    assert "integrity_flags" not in selectors.CaseFile.__dataclass_fields__


def test_an_arrival_points_at_its_appointment_by_a_foreign_key():
    from portline.appointments.models import Appointment

    field = Arrival._meta.get_field("appointment")
    assert field.many_to_one and field.related_model is Appointment
    assert not any(f.name == "appointment_ref" for f in Arrival._meta.get_fields())
