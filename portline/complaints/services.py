from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from portline.accounts.models import Role
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import Conflict, NotFound, ValidationFailed
from portline.complaints.models import Complaint, ComplaintDecision, ComplaintKind, ComplaintStatus
from portline.scheduling.models import Port

# Receipt codes: 12 characters from an alphabet without look-alikes (60 bits), shown once.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RATE_WINDOW_SECONDS = 3600


def receipt_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch in _ALPHABET)
    return hashlib.sha256(normalised.encode("ascii")).hexdigest()


def _new_receipt() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def complaint_rate_limited(*, client: str) -> bool:
    """Count one report from `client` (a network address); True when over the hourly limit.
    The address lives only as a keyed hash in the rate-limit cache, for the window."""
    bucket = int(clock.now().timestamp()) // RATE_WINDOW_SECONDS
    key = (
        "complaints:rate:"
        + salted_hmac("portline.complaints.rate", f"{client}|{bucket}").hexdigest()[:32]
    )
    if cache.add(key, 1, timeout=RATE_WINDOW_SECONDS + 5):
        return settings.PORTLINE_REPORT_LIMIT < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=RATE_WINDOW_SECONDS + 5)
        count = 1
    return count > settings.PORTLINE_REPORT_LIMIT


def complaint_submit(
    *,
    actor: Any,
    kind: str,
    description: str,
    people_named: str = "",
    port: Port | None = None,
    place: str = "",
    happened_on: dt.date | None = None,
    anonymous: bool = True,
    contact: str = "",
    language: str = "en",
) -> tuple[Complaint, str]:
    """Store a report and return it with its receipt code (shown once, only its hash kept).

    Anonymous: no account, contact or address is kept. Otherwise the account (if logged in)
    and the contact given are kept for the oversight role alone. The audit row never names
    the reporter (actor "system"), so no audit view can lead back to them."""
    errors: dict[str, list[Any]] = {}
    if kind not in ComplaintKind.values:
        errors["kind"] = [_("Choose what happened.")]
    description = (description or "").strip()
    if len(description) < 10:
        errors["description"] = [_("Tell us what happened in a few words (at least 10 letters).")]
    today = clock.now().astimezone(dt.UTC).date()
    if happened_on is not None and happened_on > today:
        errors["happened_on"] = [_("This date is in the future.")]
    user = actor if getattr(actor, "is_authenticated", False) else None
    contact = (contact or "").strip()
    if not anonymous and user is None and not contact:
        errors["contact"] = [
            _(
                "To be contacted, give a phone number or an e-mail address, or choose to stay anonymous."
            )
        ]
    if errors:
        raise ValidationFailed(_("Please correct the report."), errors=errors)
    code = _new_receipt()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            kind=kind,
            description=description,
            people_named=(people_named or "").strip(),
            port=port,
            place=(place or "").strip(),
            happened_on=happened_on,
            anonymous=anonymous,
            reporter=None if anonymous else user,
            contact="" if anonymous else contact,
            language=language[:8],
            receipt_hash=receipt_hash(code),
            received_on=today,
        )
        audit_record(
            actor=None,
            action="complaints.complaint.submit",
            target=complaint,
            data={"kind": kind, "anonymous": anonymous},
        )
    return complaint, code


ALLOWED: dict[str, set[str]] = {
    ComplaintStatus.RECEIVED: {ComplaintStatus.UNDER_REVIEW, ComplaintStatus.CLOSED},
    ComplaintStatus.UNDER_REVIEW: {ComplaintStatus.REFERRED, ComplaintStatus.CLOSED},
    ComplaintStatus.REFERRED: {ComplaintStatus.UNDER_REVIEW, ComplaintStatus.CLOSED},
    ComplaintStatus.CLOSED: {ComplaintStatus.UNDER_REVIEW},
}


def complaint_triage(*, actor: Any, complaint_id: int, status: str, reason: str) -> Complaint:
    """Move a report to `status` with a reason. Oversight users only; audited."""
    if getattr(actor, "role", None) != Role.OVERSIGHT:
        raise NotFound(_("No such report."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for this decision."), errors={"reason": [_("A reason is required.")]}
        )
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
        if complaint is None:
            raise NotFound(_("No such report."))
        if status not in ALLOWED.get(complaint.status, set()):
            raise Conflict(
                _("A report in this state cannot move to that state."), code="bad_transition"
            )
        ComplaintDecision.objects.create(
            complaint=complaint,
            status_from=complaint.status,
            status_to=status,
            reason=reason,
            decided_by=actor,
        )
        previous = complaint.status
        complaint.status = status
        complaint.updated_on = clock.now().astimezone(dt.UTC).date()
        complaint.save(update_fields=["status", "updated_on"])
        audit_record(
            actor=actor,
            action="complaints.complaint.triage",
            target=complaint,
            data={"from": previous, "to": status},
        )
    return complaint
