"""Factories for the port and the case after release (inspection)."""

from __future__ import annotations

import datetime as dt

from portline.accounts.models import Role
from portline.common import clock
from portline.registrations.models import EvidenceDocument, EvidenceKind, RegistrationStatus
from portline.scheduling.models import Port
from tests.factories import PersonFactory, RegistrationFactory, UserFactory, png_bytes


def port_staff(code: str = "SYS", role: str = Role.OFFICER, **kwargs):
    return UserFactory(role=role, port=Port.objects.get(code=code), display_name=f"{role} {code}", **kwargs)


def submitted_group(size: int = 1, owner=None, **person_fields):
    """A submitted registration with `size` people, each with a photo; returns the people."""
    kwargs = {"status": RegistrationStatus.SUBMITTED, "submitted_at": clock.now() - dt.timedelta(days=90)}
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
        registration=person.registration, person=person, kind=EvidenceKind.PHOTO, content_type="image/png",
        size=len(content), sha256=f"{person.pk:064d}", original_name="photo.png", uploaded_by=person.registration.created_by,
    )
    document.file.save("photo", ContentFile(content), save=False)
    document.save()
    return document
