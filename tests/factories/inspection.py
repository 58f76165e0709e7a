"""Factories for the port and the case after release (inspection)."""

from __future__ import annotations

import datetime as dt

from portline.accounts.models import Role
from portline.common import clock
from portline.registrations.models import EvidenceDocument, EvidenceKind, RegistrationStatus
from portline.scheduling.models import Port
from tests.factories import PersonFactory, RegistrationFactory, UserFactory, png_bytes


def port_staff(code: str = "SYS", role: str = Role.OFFICER, **kwargs):
    return UserFactory(
        role=role, port=Port.objects.get(code=code), display_name=f"{role} {code}", **kwargs
    )


def submitted_group(size: int = 1, owner=None, **person_fields):
    """A submitted registration with `size` people, each with a photo; returns the people."""
    kwargs = {
        "status": RegistrationStatus.SUBMITTED,
        "submitted_at": clock.now() - dt.timedelta(days=90),
    }
    if owner is not None:
        kwargs.update(owner=owner, created_by=owner)
    registration = RegistrationFactory(**kwargs)
    people = []
    for position in range(1, size + 1):
        person = PersonFactory(registration=registration, position=position, **person_fields)
        people.append(person)
    return people


def photo_for(person, content: bytes | None = None) -> EvidenceDocument:
    """Store a photo for `person` directly (the upload service refuses submitted registrations)."""
    from django.core.files.base import ContentFile

    content = content or png_bytes()
    document = EvidenceDocument(
        registration=person.registration,
        person=person,
        kind=EvidenceKind.PHOTO,
        content_type="image/png",
        size=len(content),
        sha256=f"{person.pk:064d}",
        original_name="photo.png",
        uploaded_by=person.registration.created_by,
    )
    document.file.save("photo", ContentFile(content), save=False)
    document.save()
    return document


def confirmed_appointment(
    *,
    people=None,
    size: int = 1,
    port_code: str = "SYS",
    service_date: dt.date | None = None,
    slot_hour: int = 9,
    owner=None,
):
    """A confirmed appointment at `port_code` on `service_date` (default: today at the port)
    for a new submitted group (or the given people's registration)."""
    from zoneinfo import ZoneInfo

    from portline.allocation.models import Round
    from portline.appointments.models import Appointment
    from tests.factories.appointments import selection

    port = Port.objects.get(code=port_code)
    tz = ZoneInfo(port.time_zone)
    service_date = service_date or clock.now().astimezone(tz).date()
    people = people or submitted_group(size, owner=owner)
    registration = people[0].registration
    round_ = Round.objects.filter(service_date=service_date).first() or Round.objects.create(
        round_date=service_date - dt.timedelta(days=14),
        service_date=service_date,
        fingerprint="f" * 64,
        request_salt="s" * 32,
    )
    chosen = selection(
        round=round_,
        registration=registration,
        port_code=port_code,
        rank=Appointment.objects.count() + 1,
    )
    starts = dt.datetime.combine(service_date, dt.time(slot_hour, 0), tzinfo=tz)
    number = f"T{Appointment.objects.count() + 1:04d}{registration.pk % 100000:05d}"[:10]
    return Appointment.objects.create(
        confirmation_number=number,
        selection=chosen,
        request=chosen.request,
        registration=registration,
        port=port,
        service_date=service_date,
        slot_starts_at=starts,
        slot_ends_at=starts + dt.timedelta(hours=1),
        group_size=len(people),
        status="confirmed",
        confirm_by=clock.now(),
        confirmed_at=clock.now(),
    )


def identity_checked(officer, person, result: str = "match", method: str = "visual"):
    """The identity check a decision needs, recorded through the service."""
    from portline.inspection import services

    note = "No document and no photo to compare." if result == "unable" else ""
    return services.identity_check_record(
        actor=officer, person=person, result=result, method=method, note=note
    )
