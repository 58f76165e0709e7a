"""Appointment requests: a registration asks for a place in today's allocation round.

Creating one needs an idempotency key, the `Idempotency-Key` header: the first call answers 201, a retry with the same key and the same request
answers 200 with the same body and creates nothing; the same key for a different request
answers 409.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Path, Router, Status
from ninja.pagination import paginate

from portline.api.v1.errors import responses
from portline.api.v1.schemas import (
    IDEMPOTENCY_KEY_PATTERN,
    MAX_ID,
    AppointmentRequestIn,
    AppointmentRequestOut,
    Pages,
    PlaceOut,
)
from portline.common.errors import ValidationFailed
from portline.geofence.selectors import declared_places
from portline.integrity.services import request_submit_and_flag
from portline.registrations.selectors import (
    access_registration,
    access_request,
    requests_visible_to,
)
from portline.scheduling.models import Port
from portline.scheduling.selectors import port_by_code

router = Router(tags=["appointment requests"])


def _port(code: str | None, field: str) -> Port | None:
    if not code:
        return None
    port = port_by_code(code)
    if port is None:
        message = _("No port has the code “%(code)s”.") % {"code": code}
        raise ValidationFailed(message, errors={field: [message]})
    return port


@router.post(
    "/requests",
    response=responses(
        {200: AppointmentRequestOut, 201: AppointmentRequestOut}, 400, 404, 409, 422
    ),
    summary="Request an appointment in today's window",
)
def request_create(
    request: HttpRequest,
    payload: AppointmentRequestIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="1-64 visible ASCII characters, new for each new request (e.g. a UUID).",
    ),
):
    registration = access_registration(request.auth, payload.registration)
    first_port = _port(payload.first_port, "first_port")
    second_port = _port(payload.second_port, "second_port")
    created_request, created = request_submit_and_flag(
        actor=request.auth,
        registration=registration,
        first_port=first_port,
        second_port=second_port,
        idempotency_key=idempotency_key,
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy_m=payload.accuracy_m,
        device_hash=payload.device_hash,
        declared_state=payload.declared_state,
        declared_city=payload.declared_city,
    )
    return Status(201 if created else 200, created_request)


@router.get(
    "/places",
    response=responses({200: list[PlaceOut]}),
    auth=None,
    summary="Places an applicant may declare instead of a location",
)
def place_list(request: HttpRequest):
    """For a request without a location check: each state's cities of the list, and one
    entry with an empty city per state (another place in it). Send the chosen `state` and
    `city` as `declared_state` and `declared_city` with the request. Not paginated."""
    return declared_places()


@router.get(
    "/requests",
    response=responses({200: list[AppointmentRequestOut]}, 422),
    summary="Your appointment requests",
)
@paginate(Pages)
def request_list(request: HttpRequest):
    return requests_visible_to(request.auth).order_by("-round_date", "-id")


@router.get(
    "/requests/{request_id}",
    response=responses({200: AppointmentRequestOut}, 404, 422),
    summary="One appointment request",
)
def request_get(request: HttpRequest, request_id: int = Path(..., ge=1, le=MAX_ID)):
    return access_request(request.auth, request_id)
