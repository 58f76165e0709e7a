"""Appointments API: the yes/no check for third parties (e.g. a transit authority).

POST a date of birth and a confirmation number; the answer is `{"valid": true|false}` and
nothing else. Rate-limited per client address (429) and audited with keyed hashes only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from portline.api.v1.errors import ApiRefusal, responses
from portline.appointments.services import appointment_verify_third_party, verification_rate_limited

router = Router(tags=["appointments"])


class VerifyIn(Schema):
    date_of_birth: dt.date = Field(..., description="The traveller's date of birth (YYYY-MM-DD).")
    confirmation_number: str = Field(..., min_length=1, max_length=20, description="As printed, with or without the dash.")


class VerifyOut(Schema):
    valid: bool = Field(..., description="True only for a confirmed appointment, today or later, held by someone born on that date.")


@router.post(
    "/verify", auth=None, response=responses({200: VerifyOut}, 400, 422),
    summary="Yes/no: does this person hold a valid appointment?",
)
def verify(request, payload: VerifyIn):
    client = request.META.get("REMOTE_ADDR", "")
    if verification_rate_limited(client=client):
        raise ApiRefusal(
            _("Too many checks from this address. Wait a few minutes and try again."),
            code="rate_limited", http_status=429,
            retry_after=getattr(settings, "PORTLINE_VERIFY_WINDOW_SECONDS", 600),
        )
    actor = request.user if request.user.is_authenticated else None
    valid = appointment_verify_third_party(
        actor=actor, confirmation_number=payload.confirmation_number, date_of_birth=payload.date_of_birth, client=client,
    )
    return {"valid": valid}
