"""The retention task removes exactly what the schedule says, skips what is under a legal
hold, reports what it did, and leaves an audit chain that still verifies."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from portline.accounts.models import Role
from portline.appointments.models import PersonConfirmation
from portline.audit.models import AuditRecord
from portline.audit.selectors import audit_verify
from portline.geofence.models import LocationCheck
from portline.inspection.models import ReleaseCheckIn
from portline.privacy import services
from portline.privacy.models import DeletionRequest, DeletionStatus, RetentionRun
from portline.registrations.models import (
    AppointmentRequest,
    EvidenceDocument,
    Person,
    Registration,
    RequestStatus,
)
from tests.factories import UserFactory
from tests.factories.appointments import submitted_registration
from tests.factories.inspection import confirmed_appointment, port_staff, submitted_group
from tests.privacy import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(settings):
    settings.PORTLINE_RETENTION_DAYS = {
        "drafts": 180,
        "deletion_requests": 0,
        "requests_not_selected": 30,
        "location_points": 90,
        "confirmation_photos": 30,
        "evidence_after_decision": 1095,
        "check_in_selfies": 90,
    }
    return settings.PORTLINE_RETENTION_DAYS


@pytest.fixture
def world(schedule):
    """One record of each kind that is due, one that is not yet due, and due records of a
    registration under a legal hold."""
    supervisor_or_admin = UserFactory(role=Role.PROGRAM_ADMIN)
    officer = port_staff()
    w: dict = {"officer": officer}
    # Drafts
    w["old_draft"] = builders.draft(days_idle=200)
    w["old_draft_file"] = w["old_draft"].evidence.get().file.name
    w["new_draft"] = builders.draft(days_idle=100)
    w["held_draft"] = builders.draft(days_idle=400)
    with transaction.atomic():
        services.legal_hold_set(
            actor=UserFactory(role=Role.PROGRAM_ADMIN),
            reference=w["held_draft"].reference,
            reason="Court order 12/2026",
        )
    # Requests (one submitted registration that asks every day) and their locations
    asker = submitted_registration()
    w["asker"] = asker
    w["old_not_selected"] = builders.request(asker, days=40, status=RequestStatus.NOT_SELECTED)
    w["old_cancelled"] = builders.request(asker, days=35, status=RequestStatus.CANCELLED)
    w["new_not_selected"] = builders.request(asker, days=10, status=RequestStatus.NOT_SELECTED)
    w["old_check"] = builders.location_check(asker, days=120)
    w["new_check"] = builders.location_check(asker, days=20)
    # An appointment 40 days ago with a confirmation photo, and one 5 days ago
    people = submitted_group(1)
    old_appointment = confirmed_appointment(
        people=people, service_date=builders.days_ago(40).date()
    )
    w["old_confirmation"] = builders.confirmation(old_appointment, people[0], days=100)
    w["old_photo_file"] = w["old_confirmation"].photo.name
    people_recent = submitted_group(1)
    recent = confirmed_appointment(people=people_recent, service_date=builders.days_ago(5).date())
    w["new_confirmation"] = builders.confirmation(recent, people_recent[0], days=6)
    # Evidence: a group decided 1,100 days ago; a group with one member still undecided
    decided = submitted_group(2)
    for person in decided:
        builders.final_decision(person, officer, days=1100)
    w["decided_evidence"] = [builders.evidence(p) for p in decided]
    w["decided_files"] = [e.file.name for e in w["decided_evidence"]]
    half = submitted_group(2)
    builders.final_decision(half[0], officer, days=1100)
    w["half_evidence"] = builders.evidence(half[0])
    recent_decided = submitted_group(1)
    recent_decision = builders.final_decision(recent_decided[0], officer, days=100)
    w["recent_evidence"] = builders.evidence(recent_decided[0])
    # Check-ins after release
    w["old_check_in"] = builders.check_in(recent_decision, days=100)
    w["old_selfie_file"] = w["old_check_in"].selfie.name
    w["new_check_in"] = builders.check_in(recent_decision, days=10)
    # A deletion request of an applicant whose registration never reached a port
    owner = UserFactory()
    leaving = submitted_registration(owner=owner)
    builders.request(leaving, days=3, status=RequestStatus.NOT_SELECTED)
    builders.location_check(leaving, days=3)
    w["leaving"] = leaving
    w["deletion"] = services.deletion_request_create(actor=owner, reference=leaving.reference)
    # Held: a submitted registration with due records of every reducible kind
    held = submitted_registration()
    w["held_request"] = builders.request(held, days=60, status=RequestStatus.NOT_SELECTED)
    w["held_check"] = builders.location_check(held, days=200)
    with transaction.atomic():
        services.legal_hold_set(
            actor=supervisor_or_admin,
            reference=held.reference,
            reason="Litigation",
        )
    w["held"] = held
    return w


def test_the_task_removes_exactly_what_the_schedule_says(world, django_capture_on_commit_callbacks):
    w = world
    before_people = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # files go once rows are committed
        run = services.retention_run()

    assert run.counts == {
        "drafts": 1,
        "deletion_requests": 1,
        "requests_not_selected": 2,
        # the old location check and the old confirmation point (the held check stays)
        "location_points": 2,
        "confirmation_photos": 1,
        "evidence_after_decision": 2,
        "check_in_selfies": 1,
    }
    assert run.held == 2
    # Drafts: the old one is gone with its person, document and file; the others stay
    assert not Registration.objects.filter(pk=w["old_draft"].pk).exists()
    assert not default_storage.exists(w["old_draft_file"])
    assert Registration.objects.filter(pk=w["new_draft"].pk).exists()
    assert Registration.objects.get(pk=w["held_draft"].pk).evidence.count() == 1
    # The deletion request was carried out
    assert not Registration.objects.filter(pk=w["leaving"].pk).exists()
    done = DeletionRequest.objects.get(pk=w["deletion"].pk)
    assert (done.status, done.outcome, done.registration) == (DeletionStatus.DONE, "deleted", None)
    assert Person.objects.count() == before_people - 2
    # Requests
    remaining = set(AppointmentRequest.objects.values_list("pk", flat=True))
    assert w["old_not_selected"].pk not in remaining
    assert w["old_cancelled"].pk not in remaining
    assert {w["new_not_selected"].pk, w["held_request"].pk} <= remaining
    # Locations: coordinates removed, verdict kept
    old_check = LocationCheck.objects.get(pk=w["old_check"].pk)
    assert (old_check.latitude, old_check.longitude, old_check.device_hash) == (None, None, "")
    assert old_check.verdict == "inside" and old_check.state == "MX-BCN"
    assert LocationCheck.objects.get(pk=w["new_check"].pk).latitude == 32.5149
    assert LocationCheck.objects.get(pk=w["held_check"].pk).latitude == 32.5149
    old_confirmation = PersonConfirmation.objects.get(pk=w["old_confirmation"].pk)
    assert (old_confirmation.latitude, old_confirmation.longitude) == (32.5, -117.0)
    # Confirmation photos
    assert old_confirmation.photo.name == ""
    assert not default_storage.exists(w["old_photo_file"])
    assert PersonConfirmation.objects.get(pk=w["new_confirmation"].pk).photo.name
    # Evidence
    assert not EvidenceDocument.objects.filter(
        pk__in=[e.pk for e in w["decided_evidence"]]
    ).exists()
    assert not any(default_storage.exists(name) for name in w["decided_files"])
    assert (
        EvidenceDocument.objects.filter(
            pk__in=[w["half_evidence"].pk, w["recent_evidence"].pk]
        ).count()
        == 2
    )
    # Check-ins
    old_check_in = ReleaseCheckIn.objects.get(pk=w["old_check_in"].pk)
    assert (old_check_in.selfie.name, old_check_in.latitude) == ("", None)
    assert not default_storage.exists(w["old_selfie_file"])
    assert ReleaseCheckIn.objects.get(pk=w["new_check_in"].pk).selfie.name

    # The audit chain still verifies, through the command as an operator runs it
    assert audit_verify().ok
    out = io.StringIO()
    call_command("audit_verify", stdout=out, stderr=io.StringIO())
    assert "ok" in out.getvalue().lower()


def test_a_second_run_finds_nothing_left(world):
    services.retention_run()
    again = services.retention_run()
    assert again.total == 0
    assert RetentionRun.objects.filter(dry_run=False).count() == 2


def test_a_dry_run_counts_and_changes_nothing(world):
    audit_rows = AuditRecord.objects.count()
    registrations = Registration.objects.count()
    run = services.retention_run(dry_run=True)
    assert run.counts["drafts"] == 1 and run.counts["evidence_after_decision"] == 2
    assert run.pk is None
    assert AuditRecord.objects.count() == audit_rows
    assert Registration.objects.count() == registrations


def test_lifting_the_hold_lets_the_next_run_delete(world):
    held_draft = world["held_draft"]
    with transaction.atomic():
        services.legal_hold_lift(
            actor=UserFactory(role=Role.PROGRAM_ADMIN),
            reference=held_draft.reference,
            reason="Case closed",
        )
    services.retention_run()
    assert not Registration.objects.filter(pk=held_draft.pk).exists()


def test_audit_rows_of_retention_carry_no_personal_data(world):
    names = set(Person.objects.values_list("given_names", "family_names"))
    services.retention_run()
    rows = AuditRecord.objects.filter(action__startswith="privacy.")
    text = json.dumps(list(rows.values_list("data", flat=True)))
    assert rows.exists()
    for given, family in names:
        assert given not in text and family not in text
    assert "1200 Main St" not in text and "32.51" not in text


# The worker closes database connections between tasks: not inside the test's transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_runs_the_queued_task(schedule):
    draft = builders.draft(days_idle=365)
    out = io.StringIO()
    call_command("retention_run", "--enqueue", stdout=out)
    assert "Queued retention run" in out.getvalue()
    assert Registration.objects.filter(pk=draft.pk).exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    assert not Registration.objects.filter(pk=draft.pk).exists()
    run = RetentionRun.objects.get()
    assert (run.trigger, run.counts["drafts"]) == ("task", 1)
    assert audit_verify().ok


def test_retention_commands_run_and_report(world):
    out = io.StringIO()
    call_command("retention_run", "--dry-run", stdout=out)
    assert "Due: " in out.getvalue()
    assert RetentionRun.objects.count() == 0
    call_command("retention_run", stdout=io.StringIO())
    out = io.StringIO()
    call_command("retention_report", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["runs"][0]["counts"]["drafts"] == 1
    assert report["schedule"]["evidence_after_decision"] == 1095


def test_a_submitted_registration_with_published_rows_is_reduced_not_deleted(schedule):
    """A deletion request of a registration whose appointment expired: the round's selection
    and the appointment stay (the published round refers to them), without personal data."""
    owner = UserFactory()
    people = submitted_group(1, owner=owner)
    appointment = confirmed_appointment(people=people, service_date=builders.days_ago(3).date())
    type(appointment).objects.filter(pk=appointment.pk).update(status="expired")
    registration = people[0].registration
    services.deletion_request_create(actor=owner, reference=registration.reference)
    services.retention_run()
    registration.refresh_from_db()
    person = Person.objects.get(pk=people[0].pk)
    assert registration.status == "withdrawn"
    assert (person.given_names, person.family_names, person.date_of_birth) == ("", "", None)
    assert registration.us_address_line1 == "" and registration.evidence.count() == 0
    assert DeletionRequest.objects.get(reference=registration.reference).outcome == "reduced"
    assert audit_verify().ok


def test_audit_rows_of_a_whole_registration_carry_no_personal_data(schedule):
    """Writing a registration through the services, asking for its deletion and carrying it
    out leaves audit rows that name records, never what the person typed."""
    from portline.registrations import services as registrations
    from tests.factories import complete_person_data, png_bytes

    owner = UserFactory()
    registration = registrations.registration_create(
        actor=owner,
        data={"basis": "medical", "us_address_line1": "77 Sycamore Ave", "us_city": "Tulsa"},
    )
    person = registrations.person_add(
        actor=owner,
        registration=registration,
        data=complete_person_data(given_names="Wilner", family_names="Desrosiers"),
    )
    registrations.evidence_upload(
        actor=owner,
        registration=registration,
        person=person,
        kind="photo",
        filename="wilner.png",
        content=png_bytes(),
        provider="",
    )
    services.deletion_request_create(actor=owner, reference=registration.reference)
    services.retention_run()
    assert not Registration.objects.filter(pk=registration.pk).exists()
    text = json.dumps(list(AuditRecord.objects.values_list("data", flat=True)))
    for value in ("Wilner", "Desrosiers", "Sycamore", "Tulsa", "wilner.png", "1990-05-17"):
        assert value not in text, value
    assert audit_verify().ok
