"""Registrations, the people in them, and their evidence.

Every fetch goes through the `access_*` selectors: an object the caller may not see answers
404, the same as one that does not exist. Every write is one service call.

The three creates (a registration, a person, a piece of evidence) take an optional
idempotency key, the `Idempotency-Key` header, as appointment requests do: the first call
answers 201; a retry by the same account with the same key and the same input answers 200 with
what the first call made, as it is now, and creates nothing; the same key with other input
answers 409 `idempotency_key_reused`. Without a key every call creates.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Path, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from portline.api.v1.errors import responses
from portline.api.v1.schemas import (
    MAX_ID,
    REFERENCE_PATTERN,
    EvidenceOut,
    Pages,
    PersonIn,
    PersonOut,
    RegistrationCreateIn,
    RegistrationDetailOut,
    RegistrationIn,
    RegistrationOut,
    optional_idempotency_key,
)
from portline.integrity.services import registration_submit_and_check
from portline.privacy.services import read_record
from portline.registrations import services
from portline.registrations.models import MAX_GROUP_SIZE, EvidenceKind
from portline.registrations.selectors import (
    access_evidence,
    access_person,
    access_registration,
    registrations_with_people_count,
)

router = Router(tags=["registrations"])

Reference = Path(..., pattern=REFERENCE_PATTERN, description="The registration's reference.")
Position = Path(
    ..., ge=1, le=MAX_GROUP_SIZE, description="The person's position in the group (1-10)."
)
EvidenceId = Path(..., ge=1, le=MAX_ID)
KindField = Form(..., description="What the document is.")
FileField = File(..., description="PDF, JPEG or PNG.")
PersonField = Form(
    None, ge=1, le=MAX_GROUP_SIZE, description="Position of the person it is about (optional)."
)
IdempotencyKey = optional_idempotency_key()


def _data(payload) -> dict:
    return payload.dict(exclude_unset=True)


# Registrations --------------------------------------------------------------------------


@router.get(
    "/registrations",
    response=responses({200: list[RegistrationOut]}, 422),
    summary="Your registrations",
)
@paginate(Pages)
def registration_list(request: HttpRequest):
    """Applicants see their own; partner staff their organization's; port staff those at their
    port (an appointment, arrival or decision there), as on the officer pages."""
    return registrations_with_people_count(request.auth)


@router.post(
    "/registrations",
    response=responses({200: RegistrationDetailOut, 201: RegistrationDetailOut}, 409, 422),
    summary="Start a registration",
)
def registration_create(
    request: HttpRequest,
    payload: RegistrationCreateIn,
    idempotency_key: str | None = IdempotencyKey,
):
    """409 `too_many_drafts`: the account already has the most drafts allowed open at once
    (`PORTLINE_MAX_OPEN_DRAFTS`); submit one first. Partner staff send the person's `consent`
    (422 without it). With an `Idempotency-Key`, a retry answers 200 with the same registration
    (as it is now) and creates nothing."""
    data = _data(payload)
    consent = data.pop("consent", None) or {}
    registration, created = services.registration_create_keyed(
        actor=request.auth,
        data=data,
        consent={f"consent_{k}" if k != "applicant_login" else k: v for k, v in consent.items()},
        idempotency_key=idempotency_key or "",
    )
    return Status(201 if created else 200, registration)


@router.get(
    "/registrations/{reference}",
    response=responses({200: RegistrationDetailOut}, 404, 422),
    summary="One registration",
)
def registration_get(request: HttpRequest, reference: str = Reference):
    """While a draft, `readiness` says what is still missing before it can be submitted.
    Opened by staff, the read is written to the audit log."""
    registration = access_registration(request.auth, reference)
    read_record(actor=request.auth, what="case_file", registration=registration)
    return registration


@router.patch(
    "/registrations/{reference}",
    response=responses({200: RegistrationDetailOut}, 404, 409, 422),
    summary="Change a draft registration",
)
def registration_update(request: HttpRequest, payload: RegistrationIn, reference: str = Reference):
    registration = access_registration(request.auth, reference)
    return services.registration_update(
        actor=request.auth, registration=registration, data=_data(payload)
    )


@router.post(
    "/registrations/{reference}/submit",
    response=responses({200: RegistrationDetailOut}, 404, 409, 422),
    summary="Submit a registration",
)
def registration_submit(request: HttpRequest, reference: str = Reference):
    """Checks that everything needed is there (422 lists what is missing), then submits."""
    registration = access_registration(request.auth, reference)
    return registration_submit_and_check(actor=request.auth, registration=registration)


# People ---------------------------------------------------------------------------------


@router.get(
    "/registrations/{reference}/people",
    response=responses({200: list[PersonOut]}, 404, 422),
    summary="The people in a registration",
)
def person_list(request: HttpRequest, reference: str = Reference):
    """At most ten people, so this list is not paginated."""
    registration = access_registration(request.auth, reference)
    return registration.people.select_related("registration").order_by("position")


@router.post(
    "/registrations/{reference}/people",
    response=responses({200: PersonOut, 201: PersonOut}, 404, 409, 422),
    summary="Add a person",
)
def person_add(
    request: HttpRequest,
    payload: PersonIn,
    reference: str = Reference,
    idempotency_key: str | None = IdempotencyKey,
):
    """Fields may be left out while the registration is a draft; a group has at most ten people.
    With an `Idempotency-Key`, a retry answers 200 with the same person (as they are now) and
    adds no one."""
    registration = access_registration(request.auth, reference)
    person, created = services.person_add_keyed(
        actor=request.auth,
        registration=registration,
        data=_data(payload),
        idempotency_key=idempotency_key or "",
    )
    return Status(201 if created else 200, person)


@router.get(
    "/registrations/{reference}/people/{position}",
    response=responses({200: PersonOut}, 404, 422),
    summary="One person",
)
def person_get(request: HttpRequest, reference: str = Reference, position: int = Position):
    return access_person(request.auth, reference, position)


@router.patch(
    "/registrations/{reference}/people/{position}",
    response=responses({200: PersonOut}, 404, 409, 422),
    summary="Change a person",
)
def person_update(
    request: HttpRequest, payload: PersonIn, reference: str = Reference, position: int = Position
):
    person = access_person(request.auth, reference, position)
    return services.person_update(actor=request.auth, person=person, data=_data(payload))


@router.delete(
    "/registrations/{reference}/people/{position}",
    response=responses({204: None}, 404, 409, 422),
    summary="Remove a person",
)
def person_remove(request: HttpRequest, reference: str = Reference, position: int = Position):
    person = access_person(request.auth, reference, position)
    services.person_remove(actor=request.auth, person=person)
    return Status(204, None)


# Evidence -------------------------------------------------------------------------------


@router.get(
    "/registrations/{reference}/evidence",
    response=responses({200: list[EvidenceOut]}, 404, 422),
    summary="A registration's evidence",
)
@paginate(Pages)
def evidence_list(request: HttpRequest, reference: str = Reference):
    registration = access_registration(request.auth, reference)
    return registration.evidence.select_related("registration", "person").order_by(
        "uploaded_at", "id"
    )


@router.post(
    "/registrations/{reference}/evidence",
    response=responses({200: EvidenceOut, 201: EvidenceOut}, 400, 404, 409, 422),
    summary="Upload evidence (multipart/form-data)",
)
def evidence_upload(
    request: HttpRequest,
    reference: str = Reference,
    kind: EvidenceKind = KindField,
    file: UploadedFile = FileField,
    person: int = PersonField,  # optional: a form field cannot be null
    idempotency_key: str | None = IdempotencyKey,
):
    """PDF, JPEG or PNG, checked by content (not by name), up to the configured size.
    `person` is the position of the person it is about (needed for each person's photograph).
    With an `Idempotency-Key`, a retry of the same file answers 200 with the same document and
    stores nothing."""
    registration = access_registration(request.auth, reference)
    subject = access_person(request.auth, reference, person) if person is not None else None
    limit = settings.PORTLINE_MAX_UPLOAD_BYTES
    content = file.read(limit + 1)  # one byte over the limit is enough to refuse it
    document, created = services.evidence_upload_keyed(
        actor=request.auth,
        registration=registration,
        person=subject,
        kind=kind,
        filename=file.name or "",
        content=content,
        idempotency_key=idempotency_key or "",
    )
    return Status(201 if created else 200, document)


@router.get(
    "/evidence/{evidence_id}",
    response=responses({200: EvidenceOut}, 404, 422),
    summary="One evidence document",
)
def evidence_get(request: HttpRequest, evidence_id: int = EvidenceId):
    return access_evidence(request.auth, evidence_id)


@router.get(
    "/evidence/{evidence_id}/file",
    response=responses({}, 404, 422),
    summary="Download an evidence file",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file itself",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in ("application/pdf", "image/jpeg", "image/png")
                },
            }
        }
    },
)
def evidence_download(request: HttpRequest, evidence_id: int = EvidenceId):
    document = access_evidence(request.auth, evidence_id)
    with document.file.open("rb") as stored:  # at most PORTLINE_MAX_UPLOAD_BYTES
        content = stored.read()
    read_record(
        actor=request.auth,
        what="evidence",
        registration=document.registration,
        evidence=document.pk,
        kind=document.kind,
    )
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{document.kind}-{document.pk}{document.extension}"'
    )
    response["Cache-Control"] = "no-store"
    return response


@router.delete(
    "/evidence/{evidence_id}",
    response=responses({204: None}, 404, 409, 422),
    summary="Delete evidence",
)
def evidence_delete(request: HttpRequest, evidence_id: int = EvidenceId):
    document = access_evidence(request.auth, evidence_id)
    services.evidence_delete(actor=request.auth, document=document)
    return Status(204, None)
