"""After release: a paroled person's case, check-ins and changes of address; overdue lists
for port staff.

The person (the registration owner's account) or staff of the deciding port may act; any
other caller gets 404. A check-in may carry a selfie (base64 JPEG/PNG) and a location; both
are optional and recorded as given.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from portline.api.v1.errors import responses
from portline.api.v1.schemas import optional_idempotency_key
from portline.common.errors import ValidationFailed
from portline.inspection import selectors, services
from portline.inspection.models import CheckInChannel

router = Router(tags=["release"])

RECORD_PATTERN = r"^PL-[A-Z0-9]{2,8}-\d{4}-[0-9A-Z]{8}$"
RecordNumber = Path(
    ...,
    pattern=RECORD_PATTERN,
    description="The decision's record number, e.g. PL-SYS-2025-ABCD2345.",
)
IdempotencyKey = optional_idempotency_key()
MAX_SELFIE_BASE64 = 14 * 1024 * 1024


class DueOut(Schema):
    due: dt.date
    window_opens: dt.date
    window_closes: dt.date
    state: str = Field(..., description="done, overdue, open (report now) or upcoming.")
    satisfied_on: dt.date | None = None


class AddressOut(Schema):
    line1: str
    line2: str
    city: str
    state: str
    zip_code: str


class ReleaseCaseOut(Schema):
    record_number: str
    name: str
    port: str
    term_start: dt.date
    term_end: dt.date
    days_to_expiry: int
    reporting_interval_days: int | None
    address_reporting: bool
    work_authorization_from: dt.date = Field(
        ...,
        description="First day the person may apply for work authorization (a configurable rule).",
    )
    overdue: int = Field(..., description="Missed check-ins.")
    next_due: DueOut | None
    schedule: list[DueOut]
    address: AddressOut


class CheckInIn(Schema):
    selfie_base64: str | None = Field(
        None, max_length=MAX_SELFIE_BASE64, description="Optional JPEG or PNG, base64-encoded."
    )
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=1_000_000)
    note: str = Field("", max_length=500)


class CheckInOut(Schema):
    id: int
    at: dt.datetime
    local_date: dt.date
    channel: str
    selfie: bool
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None


class AddressIn(Schema):
    line1: str = Field(..., max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field(..., max_length=100)
    state: str = Field(..., max_length=2)
    zip_code: str = Field(..., max_length=10)
    moved_on: dt.date


class AddressChangeOut(Schema):
    id: int
    moved_on: dt.date
    deadline: dt.date = Field(
        ..., description="Last day to report on time (business days after the move)."
    )
    late: bool
    address: AddressOut


def _case_out(decision) -> dict:
    status = selectors.release_status(decision)
    due = status.next_due
    return {
        "record_number": decision.record_number,
        "name": decision.person.full_name,
        "port": decision.port.name,
        "term_start": decision.term_start,
        "term_end": decision.term_end,
        "days_to_expiry": status.days_to_expiry,
        "reporting_interval_days": decision.reporting_interval_days,
        "address_reporting": decision.address_reporting,
        "work_authorization_from": status.work_authorization_from,
        "overdue": len(status.overdue),
        "next_due": due.__dict__ if due else None,
        "schedule": [item.__dict__ for item in status.schedule],
        "address": status.address,
    }


@router.get(
    "/cases",
    response=responses({200: list[ReleaseCaseOut]}),
    summary="Your release records (or your port's)",
)
def case_list(request: HttpRequest):
    return [
        _case_out(d) for d in selectors.release_cases_for(request.auth).order_by("term_end")[:200]
    ]


@router.get(
    "/cases/{record_number}",
    response=responses({200: ReleaseCaseOut}, 404, 422),
    summary="One release record with its schedule",
)
def case_detail(request: HttpRequest, record_number: str = RecordNumber):
    return _case_out(selectors.access_release_case(request.auth, record_number))


@router.post(
    "/cases/{record_number}/check-ins",
    response=responses({201: CheckInOut}, 404, 409, 422),
    summary="Check in",
)
def check_in(request: HttpRequest, payload: CheckInIn, record_number: str = RecordNumber):
    decision = selectors.access_release_case(request.auth, record_number)
    selfie = None
    if payload.selfie_base64:
        try:
            selfie = base64.b64decode(payload.selfie_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            message = _("The photo must be a JPEG or PNG image.")
            raise ValidationFailed(message, errors={"selfie_base64": [message]}) from exc
    item = services.release_check_in(
        actor=request.auth,
        decision=decision,
        channel=CheckInChannel.API,
        selfie=selfie,
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy_m=payload.accuracy_m,
        note=payload.note,
    )
    return Status(
        201,
        {
            "id": item.pk,
            "at": item.at,
            "local_date": item.local_date,
            "channel": item.channel,
            "selfie": bool(item.selfie),
            "latitude": item.latitude,
            "longitude": item.longitude,
            "accuracy_m": item.location_accuracy_m,
        },
    )


@router.post(
    "/cases/{record_number}/address",
    response=responses({200: AddressChangeOut, 201: AddressChangeOut}, 404, 409, 422),
    summary="Report a change of address",
)
def address_change(
    request: HttpRequest,
    payload: AddressIn,
    record_number: str = RecordNumber,
    idempotency_key: str | None = IdempotencyKey,
):
    """With an `Idempotency-Key`, a retry answers 200 with the same report and records the
    move once."""
    decision = selectors.access_release_case(request.auth, record_number)
    data = payload.dict()
    moved_on = data.pop("moved_on")
    change, created = services.address_change_report_keyed(
        actor=request.auth,
        decision=decision,
        data=data,
        moved_on=moved_on,
        idempotency_key=idempotency_key or "",
    )
    return Status(
        201 if created else 200,
        {
            "id": change.pk,
            "moved_on": change.moved_on,
            "deadline": change.deadline,
            "late": change.late,
            "address": {
                "line1": change.line1,
                "line2": change.line2,
                "city": change.city,
                "state": change.state,
                "zip_code": change.zip_code,
            },
        },
    )


@router.get(
    "/overdue",
    response=responses({200: list[ReleaseCaseOut]}),
    summary="Port staff: released people with a missed check-in",
)
def overdue(request: HttpRequest):
    return [_case_out(c.decision) for c in selectors.overdue_cases(request.auth)]
