"""Records of every kind the retention schedule covers, due or not yet due."""

from __future__ import annotations

import datetime as dt
import itertools

from django.core.files.base import ContentFile

from portline.appointments.models import PersonConfirmation
from portline.common import clock
from portline.geofence.models import CheckPurpose, CheckVerdict, LocationCheck
from portline.inspection.models import Decision, DecisionKind, DecisionStatus, ReleaseCheckIn
from portline.registrations.models import AppointmentRequest, EvidenceDocument, EvidenceKind
from portline.scheduling.models import Port
from tests.factories import PersonFactory, RegistrationFactory, png_bytes

_numbers = itertools.count(1)


def days_ago(days: int) -> dt.datetime:
    return clock.now() - dt.timedelta(days=days)


def draft(*, days_idle: int, owner=None):
    kwargs = {"owner": owner, "created_by": owner} if owner else {}
    registration = RegistrationFactory(**kwargs)
    person = PersonFactory(registration=registration, position=1)
    evidence(person)
    type(registration).objects.filter(pk=registration.pk).update(updated_at=days_ago(days_idle))
    registration.refresh_from_db()
    return registration


def evidence(person, kind: str = EvidenceKind.PHOTO) -> EvidenceDocument:
    content = png_bytes(colour=(next(_numbers) % 255, 10, 10))
    document = EvidenceDocument(
        registration=person.registration,
        person=person,
        kind=kind,
        content_type="image/png",
        size=len(content),
        sha256=f"{next(_numbers):064d}",
        original_name="photo.png",
        uploaded_by=person.registration.created_by,
    )
    document.file.save("photo", ContentFile(content), save=False)
    document.save()
    return document


def request(registration, *, days: int, status: str, port_code: str = "SYS"):
    return AppointmentRequest.objects.create(
        registration=registration,
        round_date=clock.now().date() - dt.timedelta(days=days),
        first_port=Port.objects.get(code=port_code),
        idempotency_key=f"r{next(_numbers)}",
        requested_by=registration.owner,
        status=status,
        created_at=days_ago(days),
        latitude=32.5149,
        longitude=-117.0382,
        location_accuracy_m=20,
    )


def location_check(registration, *, days: int) -> LocationCheck:
    return LocationCheck.objects.create(
        registration=registration,
        actor=registration.owner,
        purpose=CheckPurpose.REQUEST,
        checked_at=days_ago(days),
        latitude=32.5149,
        longitude=-117.0382,
        accuracy_m=20,
        verdict=CheckVerdict.INSIDE,
        state="MX-BCN",
        device_hash="d" * 64,
        engine_version="1",
    )


def confirmation(appointment, person, *, days: int) -> PersonConfirmation:
    content = png_bytes(colour=(10, next(_numbers) % 255, 10))
    row = PersonConfirmation(
        appointment=appointment,
        person=person,
        photo_content_type="image/png",
        photo_size=len(content),
        photo_sha256=f"{next(_numbers):064d}",
        latitude=32.514912,
        longitude=-117.038245,
        accuracy_m=15,
        confirmed_by=appointment.registration.owner,
        confirmed_at=days_ago(days),
    )
    row.photo.save("photo", ContentFile(content), save=False)
    row.save()
    return row


def final_decision(person, officer, *, days: int) -> Decision:
    return Decision.objects.create(
        record_number=f"PL-SYS-2025-{next(_numbers):08d}",
        person=person,
        port=officer.port,
        kind=DecisionKind.RETURN,
        status=DecisionStatus.FINAL,
        reason_code="inadmissible",
        decided_by=officer,
        decided_at=days_ago(days),
    )


def check_in(decision, *, days: int) -> ReleaseCheckIn:
    row = ReleaseCheckIn(
        decision=decision,
        at=days_ago(days),
        local_date=days_ago(days).date(),
        channel="web",
        selfie_content_type="image/png",
        selfie_sha256=f"{next(_numbers):064d}",
        latitude=29.76,
        longitude=-95.36,
        location_accuracy_m=30,
        recorded_by=decision.person.registration.owner,
    )
    row.selfie.save("selfie", ContentFile(png_bytes()), save=False)
    row.save()
    return row
