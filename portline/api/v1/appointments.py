"""Appointments API: the yes/no check for third parties (e.g. a transit authority), and the
applicant's own won appointments (list, one, per-person confirmation, the PDF).

POST /verify takes a date of birth and a confirmation number; the answer is
`{"valid": true|false}` and nothing else. Rate-limited per client address (429) and audited
with keyed hashes only.

The other operations are for the registration's owner or its partner organization's staff
(`appointments_visible_to`): anyone else's appointment answers 404, like one that does not
exist. Confirming a person calls the same service as the confirmation page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from portline.api.v1.errors import ApiRefusal, responses
from portline.api.v1.schemas import DateText, Pages
from portline.appointments.models import Appointment, AppointmentStatus
from portline.appointments.pdf import appointment_pdf
from portline.appointments.selectors import (
    access_appointment_by_number,
    appointment_member,
    appointment_progress,
    appointment_token,
    appointments_visible_to,
)
from portline.appointments.services import (
    MAX_LOCATION_ACCURACY_M,
    appointment_cancel,
    appointment_person_confirm,
    appointment_verify_third_party,
    verification_rate_limited,
)
from portline.common.errors import Conflict
from portline.registrations.models import MAX_GROUP_SIZE

router = Router(tags=["appointments"])


class VerifyIn(Schema):
    date_of_birth: DateText = Field(..., description="The traveller's date of birth (YYYY-MM-DD).")
    confirmation_number: str = Field(
        ..., min_length=1, max_length=20, description="As printed, with or without the dash."
    )


class VerifyOut(Schema):
    valid: bool = Field(
        ...,
        description="True only for a confirmed appointment, today or later, held by someone born on that date.",
    )


@router.post(
    "/verify",
    auth=None,
    response=responses({200: VerifyOut}, 400, 422),
    summary="Yes/no: does this person hold a valid appointment?",
)
def verify(request, payload: VerifyIn):
    client = request.META.get("REMOTE_ADDR", "")
    if verification_rate_limited(client=client):
        raise ApiRefusal(
            _("Too many checks from this address. Wait a few minutes and try again."),
            code="rate_limited",
            http_status=429,
            retry_after=settings.PORTLINE_VERIFY_WINDOW_SECONDS,
        )
    actor = request.user if request.user.is_authenticated else None
    valid = appointment_verify_third_party(
        actor=actor,
        confirmation_number=payload.confirmation_number,
        date_of_birth=payload.date_of_birth,
        client=client,
    )
    return {"valid": valid}


# The applicant's appointments ----------------------------------------------------------------

ConfirmationNumber = Path(
    ...,
    pattern=r"^[A-Za-z0-9-]{1,20}$",
    description="The confirmation number, with or without the dash.",
)
Position = Path(
    ..., ge=1, le=MAX_GROUP_SIZE, description="The person's position in the group (1-10)."
)
PhotoField = File(
    ..., description="A photo taken now with the camera: JPEG or PNG (checked by content)."
)
# The bounds are stated in the schema; the service refuses values outside them itself (422,
# `fields.location`, one message for the whole location).
Latitude = Annotated[float, WithJsonSchema({"type": "number", "minimum": -90, "maximum": 90})]
Longitude = Annotated[float, WithJsonSchema({"type": "number", "minimum": -180, "maximum": 180})]
Accuracy = Annotated[
    float, WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_LOCATION_ACCURACY_M})
]
LatitudeField = Form(..., description="Where the person is now (WGS 84).")
LongitudeField = Form(..., description="Where the person is now (WGS 84).")
AccuracyField = Form(
    None,
    description="The location's accuracy in metres, as the device reports it (leave it out if unknown).",
)


class AppointmentPersonOut(Schema):
    position: int
    full_name: str
    confirmed: bool = Field(
        ..., description="Whether this person has confirmed (photo and location)."
    )


class AppointmentOut(Schema):
    confirmation_number: str
    confirmation_number_display: str = Field(..., description="As printed: XXXXX-XXXXX.")
    registration: str = Field(..., description="The registration's reference.")
    port_code: str
    port_name: str
    port_time_zone: str
    service_date: dt.date
    slot_starts_at: dt.datetime
    slot_ends_at: dt.datetime
    group_size: int
    status: AppointmentStatus
    confirm_by: dt.datetime = Field(
        ..., description="Everyone must confirm before this moment, or the appointment expires."
    )
    confirmed_at: dt.datetime | None
    people: list[AppointmentPersonOut]
    qr_token: str | None = Field(
        None,
        description="Once confirmed: the signed token the QR code encodes (render it as a QR code).",
    )

    @staticmethod
    def resolve_registration(obj: Appointment) -> str:
        return obj.registration.reference

    @staticmethod
    def resolve_port_code(obj: Appointment) -> str:
        return obj.port.code

    @staticmethod
    def resolve_port_name(obj: Appointment) -> str:
        return obj.port.name

    @staticmethod
    def resolve_port_time_zone(obj: Appointment) -> str:
        return obj.port.time_zone

    @staticmethod
    def resolve_people(obj: Appointment) -> list[dict]:
        return [
            {
                "position": p.person.position,
                "full_name": p.person.full_name,
                "confirmed": p.confirmed,
            }
            for p in appointment_progress(obj)
        ]

    @staticmethod
    def resolve_qr_token(obj: Appointment) -> str | None:
        return appointment_token(obj) if obj.status == AppointmentStatus.CONFIRMED else None


def _appointment(request: HttpRequest, confirmation_number: str) -> Appointment:
    return access_appointment_by_number(request.auth, confirmation_number)


@router.get("", response=responses({200: list[AppointmentOut]}, 422), summary="Your appointments")
@paginate(Pages)
def appointment_list(request: HttpRequest) -> QuerySet[Appointment]:
    """Applicants see their registrations' appointments; partner staff their organization's.
    Newest service date first."""
    return appointments_visible_to(request.auth).order_by("-service_date", "-id")


@router.get(
    "/{confirmation_number}",
    response=responses({200: AppointmentOut}, 404, 422),
    summary="One appointment",
)
def appointment_get(request: HttpRequest, confirmation_number: str = ConfirmationNumber):
    """`people` says who has confirmed; `qr_token` is there once everyone has."""
    return _appointment(request, confirmation_number)


@router.post(
    "/{confirmation_number}/people/{position}/confirm",
    response=responses({200: AppointmentOut}, 404, 409, 422),
    summary="Confirm one person (multipart/form-data)",
)
def appointment_person_confirm_api(
    request: HttpRequest,
    confirmation_number: str = ConfirmationNumber,
    position: int = Position,
    photo: UploadedFile = PhotoField,
    latitude: Latitude = LatitudeField,
    longitude: Longitude = LongitudeField,
    accuracy_m: Accuracy = AccuracyField,  # optional: a form field cannot be null
):
    """Refusals: 422 bad photo or location; 400 outside the service area (`details` says
    where) or the deadline has passed (`deadline_passed`); 409 already confirmed."""
    appointment = _appointment(request, confirmation_number)
    person = appointment_member(appointment, position)
    content = photo.read(
        settings.PORTLINE_MAX_UPLOAD_BYTES + 1
    )  # one byte over is enough to refuse it
    appointment_person_confirm(
        actor=request.auth,
        appointment=appointment,
        person=person,
        photo=content,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
    )
    return _appointment(request, confirmation_number)


@router.post(
    "/{confirmation_number}/cancel",
    response=responses({200: AppointmentOut}, 403, 404, 409, 422),
    summary="Give up (cancel) the appointment",
)
def appointment_cancel_api(request: HttpRequest, confirmation_number: str = ConfirmationNumber):
    """The same as the page's "cancel": no penalty, the group's places go to the standby list
    and the registration may request again. 409 `not_active` once cancelled, expired or used.
    Cancelling twice answers 409 the second time and changes nothing."""
    appointment = _appointment(request, confirmation_number)
    appointment_cancel(actor=request.auth, appointment=appointment)
    return _appointment(request, confirmation_number)


@router.get(
    "/{confirmation_number}/pdf",
    response=responses({}, 404, 409, 422),
    summary="The confirmation as a PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The confirmation, with its QR code",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def appointment_pdf_download(request: HttpRequest, confirmation_number: str = ConfirmationNumber):
    """Ready once everyone in the group has confirmed (409 `not_confirmed` before)."""
    appointment = _appointment(request, confirmation_number)
    if appointment.status != AppointmentStatus.CONFIRMED:
        raise Conflict(
            _("The confirmation is ready once everyone in the group has confirmed."),
            code="not_confirmed",
        )
    content = appointment_pdf(appointment, language=get_language() or appointment.language)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="portline-appointment-{appointment.service_date:%Y%m%d}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
