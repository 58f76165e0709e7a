"""Writes of personal data protection: retention, legal holds, deletion requests, and the
audit events of reads (opening a case file, downloading evidence, exporting personal data).

Audit rows never carry personal data: they name records by type and id (and a registration by
its reference), the kind of record and counts. When retention deletes a record, the audit rows
about it stay as they are (the log is append-only and hash-chained) and still verify; they
now point at an id that no longer exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.appointments.models import LIVE_STATUSES, PersonConfirmation
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portline.geofence.models import LocationCheck, LocationSignal
from portline.inspection.models import Arrival, Decision, DecisionStatus, ReleaseCheckIn
from portline.integrity.models import FactKey, FlagSubject
from portline.linkage.models import ClusterMember
from portline.privacy.models import DeletionRequest, DeletionStatus, LegalHold, RetentionRun
from portline.privacy.schedule import KINDS
from portline.privacy.selectors import (
    access_own_registration,
    active_hold_registrations,
    hold_for,
    reached_port_reason,
)
from portline.registrations.models import (
    AppointmentRequest,
    EvidenceDocument,
    Person,
    Registration,
    RegistrationStatus,
    RequestStatus,
)
from portline.registrations.selectors import access_registration
from portline.screening.models import ScreeningHit, ScreeningRun

BATCH = 500

# A person's fields that hold what they told us; blanked when a registration is reduced.
PERSON_BLANK: dict[str, Any] = {
    "given_names": "",
    "family_names": "",
    "date_of_birth": None,
    "city_of_birth": "",
    "country_of_birth": "",
    "nationality": "",
    "country_of_residence": "",
    "gender": "",
    "preferred_language": "",
    "email": "",
    "phone": "",
    "foreign_address": "",
    "travel_history": "",
    "height_cm": None,
    "weight_kg": None,
    "eye_colour": "",
    "id_document_type": "",
    "id_document_number": "",
    "id_document_country": "",
    "employment": "",
    "emergency_contact_name": "",
    "emergency_contact_phone": "",
    "marital_status": "",
    "declared_criminal_history": "",
}
REGISTRATION_BLANK: dict[str, Any] = {
    "basis": "",
    "basis_statement": "",
    "us_address_line1": "",
    "us_address_line2": "",
    "us_city": "",
    "us_state": "",
    "us_zip": "",
    "sponsor_name": "",
    "sponsor_phone": "",
}


# Reads ------------------------------------------------------------------------------------

READ_ACTIONS = {
    "case_file": "privacy.case_file.read",
    "evidence": "privacy.evidence.read",
    "confirmation_photo": "privacy.confirmation_photo.read",
    "export": "privacy.export.create",
}


def read_record(*, actor: User, what: str, registration: Registration, **data: Any) -> None:
    """Write the audit event of a read of personal data that has already been allowed (the
    caller fetched the record through an actor-scoped selector). A refused read never gets
    here, so it stores nothing. The applicant's own views of their registration are not
    recorded; their export is."""
    if what != "export" and registration.owner_id == actor.pk:
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=READ_ACTIONS[what],
            target=registration,
            data={"reference": registration.reference, **data},
        )


# Legal holds ------------------------------------------------------------------------------

HOLD_ROLES = frozenset({Role.SUPERVISOR, Role.PROGRAM_ADMIN})


def _hold_registration(actor: User, reference: str) -> Registration:
    """Supervisors hold cases at their port; a program administrator holds any registration
    by its reference (they do not see its contents)."""
    if actor.role not in HOLD_ROLES:
        raise PermissionDenied(
            _("Only a supervisor or a program administrator can set or lift a legal hold.")
        )
    if actor.role == Role.PROGRAM_ADMIN:
        found = Registration.objects.filter(reference=reference.strip().upper()).first()
        if found is None:
            raise NotFound(_("No such registration."))
        return found
    return access_registration(actor, reference.strip().upper())


def legal_hold_set(*, actor: User, reference: str, reason: str) -> LegalHold:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for the hold."), errors={"reason": [_("This field is required.")]}
        )
    registration = _hold_registration(actor, reference)
    with transaction.atomic():
        Registration.objects.select_for_update().filter(pk=registration.pk).first()
        if hold_for(registration) is not None:
            raise Conflict(_("This registration is already under a legal hold."), code="held")
        hold = LegalHold.objects.create(
            registration=registration,
            reference=registration.reference,
            reason=reason,
            set_by=actor,
        )
        audit_record(
            actor=actor,
            action="privacy.hold.set",
            target=hold,
            data={"reference": registration.reference},
        )
    return hold


def legal_hold_lift(*, actor: User, reference: str, reason: str) -> LegalHold:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for lifting the hold."),
            errors={"reason": [_("This field is required.")]},
        )
    registration = _hold_registration(actor, reference)
    with transaction.atomic():
        hold = (
            LegalHold.objects.select_for_update()
            .filter(registration=registration, lifted_at__isnull=True)
            .first()
        )
        if hold is None:
            raise Conflict(_("This registration is not under a legal hold."), code="not_held")
        hold.lifted_by, hold.lifted_at, hold.lift_reason = actor, clock.now(), reason
        hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
        audit_record(
            actor=actor,
            action="privacy.hold.lift",
            target=hold,
            data={"reference": registration.reference},
        )
    return hold


# Deletion requests ------------------------------------------------------------------------


def deletion_request_create(*, actor: User, reference: str) -> DeletionRequest:
    """The applicant asks for their registration to be deleted. Refused (and nothing stored)
    for someone else's registration (not found), for a registration that reached a port, and
    while an appointment is waiting or confirmed. Accepted: the registration is withdrawn at
    once (no more requests or draws) and the next retention run deletes it."""
    registration = access_own_registration(actor, reference)
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        reason = reached_port_reason(registration)
        if reason:
            raise Conflict(reason, code="reached_port")
        if registration.appointments.filter(status__in=LIVE_STATUSES).exists():
            raise Conflict(
                _(
                    "This registration has an appointment waiting or confirmed. Cancel the "
                    "appointment first, then ask again."
                ),
                code="live_appointment",
            )
        if registration.deletion_requests.filter(status=DeletionStatus.PENDING).exists():
            raise Conflict(
                _("You have already asked for this registration to be deleted."),
                code="already_requested",
            )
        previous = registration.status
        if registration.status == RegistrationStatus.SUBMITTED:
            registration.status = RegistrationStatus.WITHDRAWN
            registration.updated_at = clock.now()
            registration.save(update_fields=["status", "updated_at"])
        cancelled = registration.requests.filter(status=RequestStatus.PENDING).update(
            status=RequestStatus.CANCELLED
        )
        request = DeletionRequest.objects.create(
            registration=registration, reference=registration.reference, requested_by=actor
        )
        audit_record(
            actor=actor,
            action="privacy.deletion.request",
            target=request,
            data={
                "reference": registration.reference,
                "from": previous,
                "requests_cancelled": cancelled,
            },
        )
    return request


# Erasure ----------------------------------------------------------------------------------


def _delete_files(field_files: Iterable[Any]) -> int:
    """Delete stored files after their rows are gone; a file already missing is fine."""
    deleted = 0
    for field_file in field_files:
        if field_file and field_file.name:
            field_file.storage.delete(field_file.name)
            deleted += 1
    return deleted


def _delete_after_commit(files: list[Any]) -> None:
    """Files go once the rows that name them are gone for good (a rollback keeps both)."""
    transaction.on_commit(partial(_delete_files, files))


def registration_erase(*, actor: User | None, registration: Registration, rule: str) -> str:
    """Delete a registration that never reached a port, with everything about it. Rows that a
    published allocation round refers to (a selection, an appointment, a recorded no-show)
    stay, without any personal data: "reduced". Runs in the caller's transaction; returns
    "deleted" or "reduced". Files are deleted once the transaction commits."""
    if reached_port_reason(registration):
        raise Conflict(reached_port_reason(registration), code="reached_port")
    people = list(registration.people.values_list("pk", flat=True))
    files: list[Any] = []
    evidence = EvidenceDocument.objects.filter(registration=registration)
    files += [doc.file for doc in evidence]
    evidence_count = evidence.count()
    evidence.delete()  # integrity photo hashes go with it (cascade)
    confirmations = PersonConfirmation.objects.filter(person_id__in=people)
    files += [c.photo for c in confirmations]
    confirmations.delete()
    LocationSignal.objects.filter(registration=registration).delete()
    LocationCheck.objects.filter(registration=registration).delete()
    FlagSubject.objects.filter(registration=registration).delete()
    FactKey.objects.filter(registration=registration).delete()
    ClusterMember.objects.filter(person_id__in=people).delete()
    runs = ScreeningRun.objects.filter(person_id__in=people)
    ScreeningHit.objects.filter(run__in=runs).delete()
    runs.delete()
    AppointmentRequest.objects.filter(
        registration=registration, selections__isnull=True, appointments__isnull=True
    ).delete()
    kept = (
        AppointmentRequest.objects.filter(registration=registration).exists()
        or registration.appointments.exists()
        or Arrival.objects.filter(person_id__in=people).exists()
    )
    outcome = "reduced" if kept else "deleted"
    audit_record(
        actor=actor,
        action=f"privacy.registration.{'reduce' if kept else 'delete'}",
        target=registration,
        data={
            "reference": registration.reference,
            "rule": rule,
            "people": len(people),
            "evidence": evidence_count,
        },
    )
    if kept:
        # Only a submitted registration can have requests, appointments or arrivals.
        Person.objects.filter(pk__in=people).update(**PERSON_BLANK)
        Registration.objects.filter(pk=registration.pk).update(
            **REGISTRATION_BLANK, status=RegistrationStatus.WITHDRAWN, updated_at=clock.now()
        )
        AppointmentRequest.objects.filter(registration=registration).update(
            latitude=None, longitude=None, location_accuracy_m=None
        )
    else:
        Person.objects.filter(pk__in=people).delete()
        registration.delete()
    _delete_after_commit(files)
    return outcome


# Retention --------------------------------------------------------------------------------


def _ids_digest(ids: list[int]) -> str:
    return hashlib.sha256(",".join(str(i) for i in sorted(ids)).encode()).hexdigest()


def _summary(run: RetentionRun, kind: str, ids: list[int], *, target_type: str) -> None:
    """One audit row per batch of bulk reductions: the count and a digest of the ids."""
    audit_record(
        actor=None,
        action="privacy.retention.apply",
        target=run,
        data={
            "kind": kind,
            "records": target_type,
            "count": len(ids),
            "first_id": min(ids),
            "last_id": max(ids),
            "ids_sha256": _ids_digest(ids),
        },
    )


def _batches(queryset: QuerySet) -> Iterable[list[int]]:
    """Ids of `queryset` in batches of `BATCH`, in id order, each batch read after the one
    before it was applied (a cursor on the id, so a row is never offered twice)."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        last = ids[-1]
        yield ids


def _cutoff(days: int, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=days)


def _drafts(run: RetentionRun, held: QuerySet, now: dt.datetime, dry_run: bool) -> int:
    cutoff = _cutoff(settings.PORTLINE_RETENTION_DAYS["drafts"], now)
    due = Registration.objects.filter(
        status=RegistrationStatus.DRAFT, updated_at__lt=cutoff
    ).exclude(pk__in=held)
    if dry_run:
        return due.count()
    count = 0
    for ids in _batches(due):
        for registration in Registration.objects.filter(pk__in=ids):
            with transaction.atomic():
                registration_erase(actor=None, registration=registration, rule="drafts")
            count += 1
    return count


def _deletion_requests(run: RetentionRun, held: QuerySet, now: dt.datetime, dry_run: bool) -> int:
    cutoff = _cutoff(settings.PORTLINE_RETENTION_DAYS["deletion_requests"], now)
    due = DeletionRequest.objects.filter(
        status=DeletionStatus.PENDING, requested_at__lte=cutoff
    ).exclude(registration__in=held)
    if dry_run:
        return due.count()
    count = 0
    for request in due.order_by("pk"):
        with transaction.atomic():
            locked = DeletionRequest.objects.select_for_update().get(pk=request.pk)
            if locked.status != DeletionStatus.PENDING:
                continue
            registration = locked.registration
            outcome = "deleted"
            if registration is not None:
                outcome = registration_erase(
                    actor=None, registration=registration, rule="deletion_requests"
                )
            DeletionRequest.objects.filter(pk=locked.pk).update(
                status=DeletionStatus.DONE, done_at=clock.now(), outcome=outcome
            )
            audit_record(
                actor=None,
                action="privacy.deletion.complete",
                target=locked,
                data={"reference": locked.reference, "outcome": outcome},
            )
        count += 1
    return count


def _requests_not_selected(
    run: RetentionRun, held: QuerySet, now: dt.datetime, dry_run: bool
) -> int:
    days = settings.PORTLINE_RETENTION_DAYS["requests_not_selected"]
    cutoff = _cutoff(days, now).date()
    due = AppointmentRequest.objects.filter(
        status__in=[RequestStatus.NOT_SELECTED, RequestStatus.CANCELLED],
        round_date__lt=cutoff,
        selections__isnull=True,
        appointments__isnull=True,
    ).exclude(registration__in=held)
    if dry_run:
        return due.count()
    count = 0
    for ids in _batches(due):
        with transaction.atomic():
            AppointmentRequest.objects.filter(pk__in=ids).delete()
            _summary(
                run, "requests_not_selected", ids, target_type="registrations.appointmentrequest"
            )
        count += len(ids)
    return count


def _location_points(run: RetentionRun, held: QuerySet, now: dt.datetime, dry_run: bool) -> int:
    cutoff = _cutoff(settings.PORTLINE_RETENTION_DAYS["location_points"], now)
    checks = (
        LocationCheck.objects.filter(checked_at__lt=cutoff)
        .filter(Q(latitude__isnull=False) | Q(longitude__isnull=False) | ~Q(device_hash=""))
        .exclude(registration__in=held)
    )
    requests = (
        AppointmentRequest.objects.filter(created_at__lt=cutoff)
        .filter(Q(latitude__isnull=False) | Q(longitude__isnull=False))
        .exclude(registration__in=held)
    )
    confirmations = PersonConfirmation.objects.filter(confirmed_at__lt=cutoff).exclude(
        appointment__registration__in=held
    )
    coarse = [
        (pk, round(lat, 1), round(lon, 1))
        for pk, lat, lon in confirmations.values_list("pk", "latitude", "longitude").iterator()
        if (lat, lon) != (round(lat, 1), round(lon, 1))
    ]
    if dry_run:
        return checks.count() + requests.count() + len(coarse)
    count = 0
    for ids in _batches(checks):
        with transaction.atomic():
            LocationCheck.objects.filter(pk__in=ids).update(
                latitude=None, longitude=None, accuracy_m=None, device_hash=""
            )
            _summary(run, "location_points", ids, target_type="geofence.locationcheck")
        count += len(ids)
    for ids in _batches(requests):
        with transaction.atomic():
            AppointmentRequest.objects.filter(pk__in=ids).update(
                latitude=None, longitude=None, location_accuracy_m=None
            )
            _summary(run, "location_points", ids, target_type="registrations.appointmentrequest")
        count += len(ids)
    for start in range(0, len(coarse), BATCH):
        chunk = coarse[start : start + BATCH]
        with transaction.atomic():
            for pk, lat, lon in chunk:
                PersonConfirmation.objects.filter(pk=pk).update(
                    latitude=lat, longitude=lon, accuracy_m=None
                )
            _summary(
                run,
                "location_points",
                [pk for pk, _lat, _lon in chunk],
                target_type="appointments.personconfirmation",
            )
        count += len(chunk)
    return count


def _confirmation_photos(run: RetentionRun, held: QuerySet, now: dt.datetime, dry_run: bool) -> int:
    cutoff = _cutoff(settings.PORTLINE_RETENTION_DAYS["confirmation_photos"], now).date()
    due = (
        PersonConfirmation.objects.filter(appointment__service_date__lt=cutoff)
        .exclude(photo="")
        .exclude(appointment__registration__in=held)
    )
    if dry_run:
        return due.count()
    count = 0
    for ids in _batches(due):
        with transaction.atomic():
            rows = list(PersonConfirmation.objects.select_for_update().filter(pk__in=ids))
            files = [row.photo for row in rows]
            PersonConfirmation.objects.filter(pk__in=ids).update(photo="", photo_size=0)
            _summary(run, "confirmation_photos", ids, target_type="appointments.personconfirmation")
            _delete_after_commit(files)
        count += len(ids)
    return count


def _evidence_after_decision(
    run: RetentionRun, held: QuerySet, now: dt.datetime, dry_run: bool
) -> int:
    cutoff = _cutoff(settings.PORTLINE_RETENTION_DAYS["evidence_after_decision"], now)
    decided = (
        Decision.objects.filter(status=DecisionStatus.FINAL)
        .annotate(final_at=Coalesce("reviewed_at", "decided_at"))
        .filter(final_at__lt=cutoff)
        .values("person_id")
    )
    open_registrations = Person.objects.exclude(pk__in=decided).values("registration_id")
    done_registrations = Person.objects.filter(pk__in=decided).values("registration_id")
    due = (
        EvidenceDocument.objects.filter(registration_id__in=done_registrations)
        .exclude(registration_id__in=open_registrations)
        .exclude(registration_id__in=held)
    )
    if dry_run:
        return due.count()
    count = 0
    for ids in _batches(due):
        with transaction.atomic():
            rows = list(EvidenceDocument.objects.filter(pk__in=ids).select_related("registration"))
            files = [row.file for row in rows]
            for row in rows:
                audit_record(
                    actor=None,
                    action="privacy.evidence.delete",
                    target=row,
                    data={
                        "kind": row.kind,
                        "reference": row.registration.reference,
                        "rule": "evidence_after_decision",
                    },
                )
            EvidenceDocument.objects.filter(pk__in=ids).delete()
            _delete_after_commit(files)
        count += len(ids)
    return count


def _check_in_selfies(run: RetentionRun, held: QuerySet, now: dt.datetime, dry_run: bool) -> int:
    cutoff = _cutoff(settings.PORTLINE_RETENTION_DAYS["check_in_selfies"], now)
    due = (
        ReleaseCheckIn.objects.filter(at__lt=cutoff)
        .filter(~Q(selfie="") | Q(latitude__isnull=False) | Q(longitude__isnull=False))
        .exclude(decision__person__registration__in=held)
    )
    if dry_run:
        return due.count()
    count = 0
    for ids in _batches(due):
        with transaction.atomic():
            files = [row.selfie for row in ReleaseCheckIn.objects.filter(pk__in=ids)]
            ReleaseCheckIn.objects.filter(pk__in=ids).update(
                selfie="",
                selfie_content_type="",
                latitude=None,
                longitude=None,
                location_accuracy_m=None,
            )
            _summary(run, "check_in_selfies", ids, target_type="inspection.releasecheckin")
            _delete_after_commit(files)
        count += len(ids)
    return count


STEPS = {
    "drafts": _drafts,
    "deletion_requests": _deletion_requests,
    "requests_not_selected": _requests_not_selected,
    "location_points": _location_points,
    "confirmation_photos": _confirmation_photos,
    "evidence_after_decision": _evidence_after_decision,
    "check_in_selfies": _check_in_selfies,
}


def retention_run(*, dry_run: bool = False, trigger: str = "task") -> RetentionRun:
    """Apply the retention schedule once: every kind in turn, in batches of `BATCH` records,
    each batch in its own transaction with its audit rows. Registrations under an active
    legal hold are skipped by every kind. Safe to run twice (the second run finds nothing
    left to do). A dry run counts what is due and writes nothing (the run is not saved)."""
    now = clock.now()
    held = active_hold_registrations()
    run = RetentionRun(
        started_at=now,
        dry_run=dry_run,
        trigger=trigger,
        schedule={kind.key: kind.days for kind in KINDS},
        held=held.count(),
    )
    if not dry_run:
        with transaction.atomic():
            run.save()
            audit_record(
                actor=None,
                action="privacy.retention.start",
                target=run,
                data={"schedule": run.schedule, "held": run.held},
            )
    counts = {}
    for kind in KINDS:
        counts[kind.key] = STEPS[kind.key](run, held, now, dry_run)
    run.counts = counts
    run.finished_at = clock.now()
    if not dry_run:
        with transaction.atomic():
            run.save(update_fields=["counts", "finished_at"])
            audit_record(
                actor=None,
                action="privacy.retention.finish",
                target=run,
                data={"counts": counts, "held": run.held},
            )
    return run


# The person's own copy ----------------------------------------------------------------------


def personal_data_export(
    *, actor: User, reference: str, fmt: str, fallback_language: str = "en"
) -> tuple[bytes, str, str]:
    """The applicant's copy of their registration as ("json" or "pdf") bytes, its content type
    and a file name; the export is written to the audit log. Someone else's registration (or
    a staff account) gets "not found" and nothing is stored."""
    from portline.privacy import export

    registration = access_own_registration(actor, reference)
    if fmt not in {"json", "pdf"}:
        raise NotFound(_("No such format."))
    read_record(actor=actor, what="export", registration=registration, format=fmt)
    if fmt == "json":
        content, content_type = export.export_json(registration), "application/json"
    else:
        language = export.export_language(registration, fallback_language)
        content, content_type = (
            export.export_pdf(registration, language=language),
            "application/pdf",
        )
    return content, content_type, f"portline-{registration.reference}.{fmt}"
