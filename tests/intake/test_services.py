"""Committing bulk files: all valid rows in one transaction or nothing; batches; scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from freezegun import freeze_time

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portline.intake.models import BulkEntry, BulkImport, SubmissionBatch
from portline.intake.selectors import access_batch, batches_visible_to
from portline.intake.services import bulk_check, bulk_commit
from portline.registrations.models import PartnerConsent, Person, Registration
from portline.registrations.selectors import registrations_visible_to
from tests.factories import PersonFactory, RegistrationFactory, UserFactory
from tests.intake.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(role=Role.PARTNER_STAFF, display_name="Marta")


def commit(actor, content, **kwargs):
    report = bulk_check(actor=actor, content=content)
    return bulk_commit(
        actor=actor, content=content, mapping=None, checked_sha256=report.sha256, **kwargs
    )


def test_check_stores_nothing(staff):
    before = (Registration.objects.count(), AuditRecord.objects.count())
    report = bulk_check(actor=staff, content=csv_bytes([row(), row(given="")]))
    assert report.valid_rows == 1 and report.refused_rows == 1
    assert (Registration.objects.count(), AuditRecord.objects.count()) == before


def test_commit_enters_every_valid_row_with_its_consent_and_staff_member(staff):
    content = csv_bytes(
        [row(group="F1"), row(group="F1", given="Luis"), row(given=""), row(given="Eva")]
    )
    record = commit(staff, content)
    assert (record.rows_read, record.rows_imported, record.rows_refused) == (4, 3, 1)
    registrations = Registration.objects.filter(partner=staff.partner).order_by("id")
    assert registrations.count() == 2 == record.registrations
    assert all(
        r.created_by == staff and r.entered_in_bulk and r.status == "draft" for r in registrations
    )
    family = registrations[0]
    assert [p.relationship for p in family.people.order_by("position")] == ["self", "other"]
    consent = PartnerConsent.objects.get(registration=family)
    assert (consent.medium, consent.language, consent.given_on) == (
        "paper",
        "es",
        dt.date(2026, 11, 1),
    )
    assert consent.recorded_by == staff and consent.statement
    assert BulkEntry.objects.filter(bulk_import=record).count() == 2
    event = AuditRecord.objects.get(action="intake.bulk_import.commit")
    assert event.data["rows_imported"] == 3 and "Ana" not in str(event.data)
    assert registrations_visible_to(staff).count() == 2


def test_commit_needs_the_file_that_was_checked(staff):
    report = bulk_check(actor=staff, content=csv_bytes([row()]))
    with pytest.raises(Conflict):
        bulk_commit(
            actor=staff,
            content=csv_bytes([row(given="Luis")]),
            mapping=None,
            checked_sha256=report.sha256,
        )
    assert not Registration.objects.exists()


def test_a_failure_during_commit_stores_nothing(staff, monkeypatch):
    from portline.intake import services

    def broken(*args, **kwargs):  # the last insert fails, after the others ran
        raise IntegrityError("disk full")

    monkeypatch.setattr(services.BulkEntry.objects, "bulk_create", broken)
    before = AuditRecord.objects.count()
    with pytest.raises(IntegrityError):
        commit(staff, csv_bytes([row(), row(given="Luis")]))
    assert not Registration.objects.exists() and not Person.objects.exists()
    assert not PartnerConsent.objects.exists() and not BulkImport.objects.exists()
    assert AuditRecord.objects.count() == before


def test_a_file_with_no_valid_row_is_refused(staff):
    with pytest.raises(ValidationFailed):
        commit(staff, csv_bytes([row(given="")]))
    assert not Registration.objects.exists() and not SubmissionBatch.objects.exists()


def test_likely_duplicates_are_shown_and_can_be_left_out(staff):
    existing = RegistrationFactory()
    PersonFactory(
        registration=existing,
        position=1,
        given_names="Ana",
        family_names="Pérez",
        date_of_birth=dt.date(1990, 4, 23),
    )
    content = csv_bytes([row(), row(given="Luis"), row(given="Luis")])
    report = bulk_check(actor=staff, content=content)
    assert {p.row for p in report.duplicates} == {2, 4}
    assert existing.reference not in str([p.message for p in report.duplicates])
    record = bulk_commit(
        actor=staff,
        content=content,
        mapping=None,
        checked_sha256=report.sha256,
        skip_duplicates=True,
    )
    assert record.rows_imported == 1


def test_only_partner_staff_in_good_standing_import(staff):
    for role in (Role.APPLICANT, Role.PARTNER_ADMIN, Role.PROGRAM_ADMIN, Role.OFFICER):
        with pytest.raises(PermissionDenied):
            bulk_check(actor=UserFactory(role=role), content=csv_bytes([row()]))
    staff.partner.active = False
    staff.partner.save()
    with pytest.raises(PermissionDenied):
        bulk_check(actor=staff, content=csv_bytes([row()]))


def test_cutoffs_form_batches_listed_by_organization_and_program_admin(staff, settings):
    settings.PORTLINE_PARTNER_CUTOFFS = ["12:00", "18:00"]
    settings.PORTLINE_PARTNER_CUTOFF_TIME_ZONE = "UTC"
    with freeze_time("2026-11-30 09:00:00"):
        first = commit(staff, csv_bytes([row()]))
    with freeze_time("2026-11-30 11:30:00"):
        second = commit(staff, csv_bytes([row(given="Luis")]))
    with freeze_time("2026-11-30 13:00:00"):
        third = commit(staff, csv_bytes([row(given="Eva")]))
    assert first.batch_id == second.batch_id != third.batch_id
    assert first.batch.cutoff_at == dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    assert third.batch.cutoff_at == dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)
    mine = batches_visible_to(staff)
    assert [b.registration_count for b in mine] == [1, 2]
    admin = UserFactory(role=Role.PARTNER_ADMIN, partner=staff.partner)
    assert batches_visible_to(admin).count() == 2
    program = UserFactory(role=Role.PROGRAM_ADMIN)
    assert batches_visible_to(program).count() == 2
    other = UserFactory(role=Role.PARTNER_STAFF)
    assert not batches_visible_to(other).exists()
    with pytest.raises(NotFound):
        access_batch(other, first.batch_id)
    assert not registrations_visible_to(other).exists()


def test_withdrawn_consent_hides_the_registration_from_the_organization(staff):
    from portline.registrations.services import consent_withdraw

    commit(staff, csv_bytes([row()]))
    registration = registrations_visible_to(staff).get()
    consent = PartnerConsent.objects.get(registration=registration)
    applicant = UserFactory()
    with pytest.raises(NotFound):
        consent_withdraw(actor=applicant, consent=consent)  # not theirs
    consent_withdraw(actor=staff, consent=consent)  # on the person's request
    assert not registrations_visible_to(staff).exists()
    assert AuditRecord.objects.filter(action="registrations.consent.withdraw").count() == 1
