"""Writes at the port and after: arrivals, identity results, decisions, reviews, check-ins
after release and changes of address. Each validates first, writes in one transaction with
its audit row, and refuses with a translated ApplicationError that changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.appointments.models import Appointment, AppointmentStatus
from portline.appointments.selectors import (
    appointment_token_verify,
    confirmation_number_normalise,
)
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from portline.common.validators import _ZIP, US_STATES
from portline.inspection import engine
from portline.inspection.models import (
    REASONS_BY_KIND,
    AddressChange,
    Arrival,
    ArrivalKind,
    ArrivalStatus,
    CheckInChannel,
    CheckInMethod,
    Decision,
    DecisionKind,
    DecisionStatus,
    IdentityCheck,
    IdentityMethod,
    IdentityResult,
    ReleaseCheckIn,
)
from portline.inspection.selectors import (
    has_confirmed_match,
    inspection_settings_get,
    is_port_staff,
    no_show_open,
    open_hits_for,
    port_today,
    screening_hits_for,
)
from portline.registrations.models import Person
from portline.registrations.services import (
    idempotency_digest,
    idempotency_key_clean,
    keyed_create,
    keyed_earlier,
)
from portline.scheduling.models import Port
from portline.screening import services as screening
from portline.screening.models import HitStatus, ScreeningHit, ScreeningTrigger

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
logger = logging.getLogger(__name__)


def _fail(
    message: str, field: str = "__all__", cls: type[ApplicationError] = ValidationFailed
) -> ApplicationError:
    if issubclass(cls, ValidationFailed):
        return cls(message, errors={field: [message]})
    return cls(message, field=field)


def _require_port_staff(actor: User) -> None:
    if not is_port_staff(actor):
        raise PermissionDenied(_("Only officers and supervisors of a port can do this."))


def _port(actor: User) -> Port:
    """The port of an actor already known to be port staff."""
    if actor.port is None:
        raise PermissionDenied(_("Only officers and supervisors of a port can do this."))
    return actor.port


# --- Check-in at the port -------------------------------------------------------------------


def _looks_like_token(code: str) -> bool:
    return ":" in code or len(code) > 24


@dataclass(frozen=True)
class CodeLookup:
    """The appointment a scanned or typed code names, and how it was given."""

    appointment: Appointment
    method: str


def appointment_for_code(*, actor: User, code: str) -> CodeLookup:
    """The confirmed appointment that `code` (a scanned QR token or a typed confirmation number)
    names, for today at the actor's port. Refuses a forged, expired, unknown, other-port,
    other-day or no-longer-confirmed code with a reason."""
    _require_port_staff(actor)
    code = (code or "").strip()
    if not code:
        raise _fail(_("Scan the QR code or type the confirmation number."), "code")
    appointment: Appointment | None
    if _looks_like_token(code):
        try:
            appointment = appointment_token_verify(code)
        except ApplicationError as exc:
            raise ValidationFailed(exc.message, errors={"code": [exc.message]}) from exc
        method = CheckInMethod.QR
    else:
        number = confirmation_number_normalise(code)
        appointment = (
            Appointment.objects.select_related("port", "registration")
            .filter(confirmation_number=number)
            .first()
            if number
            else None
        )
        if appointment is None:
            raise _fail(
                _("No appointment has this confirmation number. Check it and try again."),
                "code",
                NotFound,
            )
        method = CheckInMethod.NUMBER
    if appointment.port_id != _port(actor).pk:
        raise _fail(
            _("This appointment is for another port (%(port)s). It cannot be checked in here.")
            % {"port": appointment.port.name},
            "code",
        )
    if appointment.status != AppointmentStatus.CONFIRMED:
        raise _fail(
            _("This appointment is not confirmed (its status is: %(status)s).")
            % {"status": appointment.get_status_display()},
            "code",
        )
    today = port_today(actor)
    if appointment.service_date != today:
        raise _fail(
            _(
                "This appointment is for %(date)s, not today. Record a walk-up if the officer admits the person today."
            )
            % {"date": formats.date_format(appointment.service_date)},
            "code",
        )
    return CodeLookup(appointment=appointment, method=method)


def _run_screening(
    actor: User, person: Person, trigger: str = ScreeningTrigger.ON_DEMAND
) -> list[str]:
    try:
        screening.screening_run_for_person(actor=actor, person=person, trigger=trigger)
    except ApplicationError as exc:
        return [str(exc.message)]
    return []


@dataclass(frozen=True)
class GroupCheckIn:
    """People of one appointment checked in together, and what their screens reported."""

    arrivals: list[Arrival]
    screening_messages: list[str]


def _require_group_member(actor: User, appointment: Appointment, person: Person) -> None:
    if appointment.port_id != _port(actor).pk:
        raise NotFound(_("No such appointment at your port."))
    if person.registration_id != appointment.registration_id:
        raise _fail(_("This person is not in the appointment's group."), "person")


def _arrival_write(
    *, actor: User, appointment: Appointment, person: Person, method: str, today: dt.date
) -> Arrival:
    """One person's arrival, inside the caller's transaction."""
    existing = (
        Arrival.objects.select_for_update()
        .filter(person=person, port_id=_port(actor).pk, service_date=today)
        .first()
    )
    if existing is not None and existing.status == ArrivalStatus.ARRIVED:
        raise Conflict(
            _("%(name)s was already checked in at %(time)s.")
            % {
                "name": person.full_name,
                "time": formats.time_format(existing.recorded_at.astimezone(_tz(actor)), "H:i"),
            },
            code="already_checked_in",
        )
    if existing is not None:  # a no-show corrected: the person came after all
        existing.status = ArrivalStatus.ARRIVED
        existing.method = method
        existing.recorded_by = actor
        existing.recorded_at = clock.now()
        existing.save(update_fields=["status", "method", "recorded_by", "recorded_at"])
        audit_record(
            actor=actor,
            action="inspection.arrival.correct",
            target=existing,
            data={"status": "arrived"},
        )
        return existing
    arrival = Arrival.objects.create(
        port_id=_port(actor).pk,
        person=person,
        appointment=appointment,
        confirmation_number=appointment.confirmation_number,
        service_date=today,
        kind=ArrivalKind.APPOINTMENT,
        status=ArrivalStatus.ARRIVED,
        method=method,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="inspection.arrival.record",
        target=arrival,
        data={"method": method, "appointment": appointment.pk},
    )
    return arrival


def group_check_in(
    *,
    actor: User,
    appointment: Appointment,
    people: list[Person],
    method: str = CheckInMethod.MANUAL,
) -> GroupCheckIn:
    """Check in the given people of the appointment's group, all or none: if one of them
    cannot be checked in (already checked in, not in the group), nobody is. Each person
    checked in is then screened; a screen that cannot run is reported, not fatal."""
    _require_port_staff(actor)
    if not people:
        raise _fail(_("Choose a person and what to record."), "person")
    for person in people:
        _require_group_member(actor, appointment, person)
    today = port_today(actor)
    if appointment.service_date != today or appointment.status != AppointmentStatus.CONFIRMED:
        raise _fail(_("Only today's confirmed appointments can be checked in."), "code")
    if method not in CheckInMethod.values:
        method = CheckInMethod.MANUAL
    with transaction.atomic():
        arrivals = [
            _arrival_write(
                actor=actor, appointment=appointment, person=person, method=method, today=today
            )
            for person in people
        ]
    notes: list[str] = []
    for person in people:
        notes += _run_screening(actor, person, ScreeningTrigger.CHECK_IN)
    return GroupCheckIn(arrivals=arrivals, screening_messages=notes)


def arrival_record(
    *,
    actor: User,
    appointment: Appointment,
    person: Person,
    method: str = CheckInMethod.MANUAL,
) -> Arrival:
    """Record that `person` of the appointment's group has arrived, then screen them."""
    checked = group_check_in(actor=actor, appointment=appointment, people=[person], method=method)
    return checked.arrivals[0]


def group_no_show(*, actor: User, appointment: Appointment, people: list[Person]) -> list[Arrival]:
    """Record the given people of the group as no-shows, all or none, from the appointment's
    time on (not for a later appointment, nor earlier the same day)."""
    _require_port_staff(actor)
    if not people:
        raise _fail(_("Choose a person and what to record."), "person")
    for person in people:
        _require_group_member(actor, appointment, person)
    if not no_show_open(appointment):
        raise _fail(
            _("A no-show can be recorded only from the appointment's time (%(time)s) on.")
            % {
                "time": formats.date_format(
                    appointment.slot_starts_at.astimezone(_tz(actor)), "Y-m-d H:i"
                )
            },
            "code",
        )
    with transaction.atomic():
        recorded = []
        for person in people:
            if Arrival.objects.filter(
                person=person, port_id=_port(actor).pk, service_date=appointment.service_date
            ).exists():
                raise Conflict(
                    _("%(name)s already has an arrival recorded for that day.")
                    % {"name": person.full_name},
                    code="already_recorded",
                )
            arrival = Arrival.objects.create(
                port_id=_port(actor).pk,
                person=person,
                appointment=appointment,
                confirmation_number=appointment.confirmation_number,
                service_date=appointment.service_date,
                kind=ArrivalKind.APPOINTMENT,
                status=ArrivalStatus.NO_SHOW,
                recorded_by=actor,
            )
            audit_record(
                actor=actor,
                action="inspection.arrival.no_show",
                target=arrival,
                data={"appointment": appointment.pk},
            )
            recorded.append(arrival)
    return recorded


def arrival_no_show(*, actor: User, appointment: Appointment, person: Person) -> Arrival:
    return group_no_show(actor=actor, appointment=appointment, people=[person])[0]


def walk_up_record(
    *, actor: User, person: Person | None = None, name: str = "", note: str = ""
) -> Arrival:
    """Someone at the port today without an appointment for today: a registered person (found
    by their registration reference) or, failing that, a name and a note."""
    _require_port_staff(actor)
    name = (name or "").strip()[:200]
    note = (note or "").strip()[:1000]
    if person is None and not name:
        raise _fail(_("Give the registration reference and person, or the person's name."), "name")
    today = port_today(actor)
    with transaction.atomic():
        if (
            person is not None
            and Arrival.objects.filter(
                person=person, port_id=_port(actor).pk, service_date=today
            ).exists()
        ):
            raise Conflict(
                _("%(name)s was already checked in today.") % {"name": person.full_name},
                code="already_checked_in",
            )
        try:
            with transaction.atomic():
                arrival = Arrival.objects.create(
                    port_id=_port(actor).pk,
                    person=person,
                    service_date=today,
                    kind=ArrivalKind.WALK_UP,
                    status=ArrivalStatus.ARRIVED,
                    walk_up_name="" if person else name,
                    note=note,
                    recorded_by=actor,
                )
        except IntegrityError as exc:
            raise Conflict(
                _("This person was already checked in today."), code="already_checked_in"
            ) from exc
        audit_record(
            actor=actor,
            action="inspection.arrival.walk_up",
            target=arrival,
            data={"registered": person is not None},
        )
    if person is not None:
        for message in _run_screening(actor, person, ScreeningTrigger.CHECK_IN):
            logger.warning("walk-up screen not run: %s", message)
    return arrival


def _tz(actor: User):
    from zoneinfo import ZoneInfo

    return ZoneInfo(_port(actor).time_zone)


# --- Identity and screening -----------------------------------------------------------------


def identity_check_record(
    *,
    actor: User,
    person: Person,
    result: str,
    method: str,
    document_examined: str = "",
    note: str = "",
) -> IdentityCheck:
    _require_port_staff(actor)
    if result not in IdentityResult.values:
        raise _fail(_("Choose the result of the identity check."), "result")
    if method not in IdentityMethod.values:
        raise _fail(_("Choose how identity was checked."), "method")
    if method == IdentityMethod.FACE_MODEL:
        from portline.inspection.face import face_comparer

        if not face_comparer().available:
            raise _fail(
                _("No face comparison model is installed. Compare visually or examine a document."),
                "method",
            )
    if result == IdentityResult.UNABLE and not (note or "").strip():
        raise _fail(_("Say in the note why identity could not be verified."), "note")
    with transaction.atomic():
        check = IdentityCheck.objects.create(
            person=person,
            port_id=_port(actor).pk,
            result=result,
            method=method,
            document_examined=(document_examined or "").strip()[:100],
            note=(note or "").strip()[:1000],
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="inspection.identity.record",
            target=check,
            data={"result": result, "method": method},
        )
    return check


def screening_run(*, actor: User, person: Person) -> list[str]:
    """Screen the person again on demand; returns messages from the screen, if any."""
    _require_port_staff(actor)
    return _run_screening(actor, person)


def screening_hit_adjudicate(
    *, actor: User, person: Person, hit_id: int, decision: str, reason: str
) -> ScreeningHit:
    """Adjudicate one of the person's hits through the screening service (which audits it)."""
    _require_port_staff(actor)
    hit = next((h for h in screening_hits_for(person) if h.pk == hit_id), None)
    if hit is None:
        raise NotFound(_("No such screening hit for this person."))
    if decision not in (HitStatus.TRUE_MATCH, HitStatus.FALSE_MATCH):
        raise _fail(_("Choose true match or false match."), "decision")
    if not (reason or "").strip():
        raise _fail(_("Give the reason for this adjudication."), "reason")
    return screening.hit_adjudicate(actor=actor, hit=hit, decision=decision, reason=reason.strip())


# --- Decisions --------------------------------------------------------------------------------


def _record_number(port_code: str, year: int) -> str:
    return f"PL-{port_code}-{year}-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def approval_grounds(*, person: Person, kind: str) -> list[str]:
    """Why a decision of `kind` for `person` needs a supervisor (empty: it does not)."""
    rules = inspection_settings_get()
    grounds = []
    if kind in rules.approval_kind_list:
        grounds.append(f"kind:{kind}")
    if rules.approval_on_confirmed_match and has_confirmed_match(person):
        grounds.append("confirmed_watchlist_match")
    return grounds


def _start_term(decision: Decision, today: dt.date) -> None:
    if decision.kind == DecisionKind.PAROLE and decision.term_months is not None:
        decision.term_start = today
        decision.term_end = engine.parole_term_end(today, decision.term_months)


def decision_record(
    *,
    actor: User,
    person: Person,
    kind: str,
    reason_code: str,
    reason_text: str = "",
    term_months: int | None = None,
    reporting_interval_days: int | None = None,
    address_reporting: bool = True,
    court_placeholder: str = "",
) -> Decision:
    _require_port_staff(actor)
    rules = inspection_settings_get()
    errors: dict[str, list[str]] = {}
    if kind not in DecisionKind.values:
        errors["kind"] = [_("Choose a decision.")]
    elif not reason_code:
        errors["reason_code"] = [_("A decision needs a reason code.")]
    elif reason_code not in REASONS_BY_KIND[kind]:
        errors["reason_code"] = [_("This reason code does not fit this decision.")]
    if kind == DecisionKind.PAROLE:
        term_months = rules.parole_default_months if term_months is None else term_months
        if not isinstance(term_months, int) or term_months < 1:
            errors["term_months"] = [_("The parole term is a whole number of months, at least 1.")]
        elif term_months > rules.parole_max_months:
            errors["term_months"] = [
                _("The parole term cannot be longer than %(max)s months.")
                % {"max": rules.parole_max_months}
            ]
        reporting_interval_days = (
            rules.reporting_interval_days
            if reporting_interval_days is None
            else reporting_interval_days
        )
        if not isinstance(reporting_interval_days, int) or not 1 <= reporting_interval_days <= 365:
            errors["reporting_interval_days"] = [_("Check-ins are between 1 and 365 days apart.")]
    else:
        term_months = None
        reporting_interval_days = None
        address_reporting = False
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    today = port_today(actor)
    with transaction.atomic():
        locked = Person.objects.select_for_update().filter(pk=person.pk).first()
        if locked is None:
            raise NotFound(_("No such person at your port."))
        if not Arrival.objects.filter(
            person=person, port_id=_port(actor).pk, status=ArrivalStatus.ARRIVED
        ).exists():
            raise _fail(_("Check the person in before recording a decision."), "kind", Conflict)
        if not IdentityCheck.objects.filter(person=person, port_id=_port(actor).pk).exists():
            raise _fail(
                _(
                    "Record the identity check (or why identity could not be verified) before the decision."
                ),
                "kind",
                Conflict,
            )
        if Decision.objects.filter(person=person, status__in=["pending", "final"]).exists():
            raise Conflict(
                _(
                    "This person already has a decision. A supervisor must reject it before another is recorded."
                ),
                code="already_decided",
            )
        if open_hits_for(person):
            raise _fail(
                _("Adjudicate the open watchlist hits (true or false match) before the decision."),
                "kind",
                Conflict,
            )
        grounds = approval_grounds(person=person, kind=kind)
        decision = Decision(
            person=person,
            port_id=_port(actor).pk,
            kind=kind,
            reason_code=reason_code,
            reason_text=(reason_text or "").strip()[:2000],
            term_months=term_months,
            reporting_interval_days=reporting_interval_days,
            address_reporting=bool(address_reporting),
            court_placeholder=(court_placeholder or "").strip()[:200],
            status=DecisionStatus.PENDING_APPROVAL if grounds else DecisionStatus.FINAL,
            requires_approval=bool(grounds),
            approval_grounds=grounds,
            decided_by=actor,
        )
        if not grounds:
            _start_term(decision, today)
        for _attempt in range(5):
            decision.record_number = _record_number(_port(actor).code, today.year)
            try:
                with transaction.atomic():
                    decision.save()
                break
            except IntegrityError as exc:
                if Decision.objects.filter(person=person, status__in=["pending", "final"]).exists():
                    raise Conflict(
                        _("This person already has a decision."), code="already_decided"
                    ) from exc
        audit_record(
            actor=actor,
            action="inspection.decision.record",
            target=decision,
            data={
                "kind": kind,
                "reason_code": reason_code,
                "status": decision.status,
                "grounds": grounds,
                "term_months": term_months,
            },
        )
    return decision


def decision_review(*, actor: User, decision: Decision, approve: bool, reason: str) -> Decision:
    """A supervisor approves or rejects a decision that waits for one (never their own)."""
    _require_port_staff(actor)
    if actor.role != Role.SUPERVISOR:
        raise PermissionDenied(_("Only a supervisor can approve or reject a decision."))
    if decision.port_id != _port(actor).pk:
        raise NotFound(_("No such decision."))
    if decision.decided_by_id == actor.pk:
        raise PermissionDenied(_("A supervisor cannot review their own decision."))
    reason = (reason or "").strip()
    if not reason:
        raise _fail(_("Give the reason for approving or rejecting."), "reason")
    with transaction.atomic():
        current = Decision.objects.select_for_update().get(pk=decision.pk)
        if current.status != DecisionStatus.PENDING_APPROVAL:
            raise Conflict(_("This decision is not waiting for a supervisor."), code="not_pending")
        current.status = DecisionStatus.FINAL if approve else DecisionStatus.REJECTED
        current.reviewed_by = actor
        current.reviewed_at = clock.now()
        current.review_reason = reason[:2000]
        if approve:
            _start_term(current, port_today(actor))
        current.save()
        audit_record(
            actor=actor,
            action="inspection.decision." + ("approve" if approve else "reject"),
            target=current,
            data={"kind": current.kind},
        )
    return current


# --- After release ----------------------------------------------------------------------------


def _require_release_actor(actor: User, decision: Decision) -> None:
    if actor.role == Role.APPLICANT and decision.person.registration.owner_id == actor.pk:
        return
    if is_port_staff(actor) and decision.port_id == _port(actor).pk:
        return
    raise NotFound(_("No such release record."))


def _require_active_parole(decision: Decision, today: dt.date) -> None:
    if decision.kind != DecisionKind.PAROLE or decision.status != DecisionStatus.FINAL:
        raise _fail(_("Check-ins and address reports are for people released on parole."))
    if decision.term_end is None:
        raise _fail(_("Check-ins and address reports are for people released on parole."))
    if today > decision.term_end:
        raise _fail(
            _("This parole ended on %(date)s.") % {"date": formats.date_format(decision.term_end)}
        )


def _optional_float(value: Any, low: float, high: float, field: str, message: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise _fail(message, field) from exc
    if not low <= number <= high:
        raise _fail(message, field)
    return number


def release_check_in(
    *,
    actor: User,
    decision: Decision,
    channel: str = CheckInChannel.WEB,
    selfie: bytes | None = None,
    latitude: Any = None,
    longitude: Any = None,
    accuracy_m: Any = None,
    note: str = "",
) -> ReleaseCheckIn:
    """Record a check-in. The selfie (re-encoded, like every uploaded image) and the location
    are optional."""
    _require_release_actor(actor, decision)
    today = clock.today_in(decision.port.time_zone)
    _require_active_parole(decision, today)
    lat = _optional_float(
        latitude, -90, 90, "latitude", _("Latitude is a number between -90 and 90.")
    )
    lon = _optional_float(
        longitude, -180, 180, "longitude", _("Longitude is a number between -180 and 180.")
    )
    acc = _optional_float(
        accuracy_m, 0, 1_000_000, "accuracy_m", _("Accuracy is a distance in metres.")
    )
    if (lat is None) != (lon is None):
        raise _fail(_("Give both latitude and longitude, or neither."), "latitude")
    content_type = ""
    if selfie:
        from portline.registrations.services import detect_content_type, evidence_content_check

        if len(selfie) > settings.PORTLINE_MAX_UPLOAD_BYTES:
            raise _fail(_("The photo is too large."), "selfie")
        content_type = detect_content_type(selfie[:16]) or ""
        if content_type not in ("image/jpeg", "image/png"):
            raise _fail(_("The photo must be a JPEG or PNG image."), "selfie")
        selfie = evidence_content_check(selfie, content_type, field="selfie")
    with transaction.atomic():
        Decision.objects.select_for_update().filter(pk=decision.pk).first()
        if ReleaseCheckIn.objects.filter(decision=decision, local_date=today).exists():
            raise Conflict(_("You have already checked in today."), code="already_checked_in")
        check_in = ReleaseCheckIn(
            decision=decision,
            local_date=today,
            channel=channel,
            latitude=lat,
            longitude=lon,
            location_accuracy_m=acc,
            note=(note or "").strip()[:500],
            recorded_by=actor,
            selfie_content_type=content_type,
            selfie_sha256=hashlib.sha256(selfie).hexdigest() if selfie else "",
        )
        if selfie:
            check_in.selfie.save("selfie", ContentFile(selfie), save=False)
        try:
            check_in.save()
            audit_record(
                actor=actor,
                action="inspection.release.check_in",
                target=check_in,
                data={
                    "channel": channel,
                    "selfie": bool(selfie),
                    "location": lat is not None,
                },
            )
        except Exception:
            if selfie:
                check_in.selfie.storage.delete(check_in.selfie.name)
            raise
    return check_in


def address_change_report(
    *, actor: User, decision: Decision, data: dict[str, Any], moved_on: dt.date
) -> AddressChange:
    """Record a new US address. Reported after the deadline (N business days after the move)
    it is kept and marked late, never refused."""
    change, _created = address_change_report_keyed(
        actor=actor, decision=decision, data=data, moved_on=moved_on, idempotency_key=""
    )
    return change


def address_change_report_keyed(
    *,
    actor: User,
    decision: Decision,
    data: dict[str, Any],
    moved_on: dt.date,
    idempotency_key: str,
) -> tuple[AddressChange, bool]:
    """`address_change_report` with an idempotency key (none: ""), as registrations take one
    (`registrations.services.keyed_create`). Returns (change, created): a retry of the
    account's earlier report with the key and the same address and date answers that report
    and records nothing; the key with other input is refused (409 `idempotency_key_reused`)."""
    key = idempotency_key_clean(idempotency_key, required=False)
    digest = idempotency_digest(decision=decision.pk, data=data, moved_on=moved_on) if key else ""
    return keyed_create(
        lambda: _address_change_insert(
            actor=actor, decision=decision, data=data, moved_on=moved_on, key=key, digest=digest
        ),
        rows=AddressChange.objects.filter(reported_by=actor),
        key=key,
        digest=digest,
    )


def _address_change_insert(
    *,
    actor: User,
    decision: Decision,
    data: dict[str, Any],
    moved_on: dt.date,
    key: str,
    digest: str,
) -> tuple[AddressChange, bool]:
    _require_release_actor(actor, decision)
    today = clock.today_in(decision.port.time_zone)
    _require_active_parole(decision, today)
    if not decision.address_reporting:
        raise _fail(_("This parole has no address-reporting condition."))
    values = {
        k: (str(data.get(k) or "")).strip() for k in ("line1", "line2", "city", "state", "zip_code")
    }
    values["state"] = values["state"].upper()
    errors: dict[str, list[str]] = {}
    for name in ("line1", "city", "state", "zip_code"):
        if not values[name]:
            errors[name] = [_("This field is required.")]
    if values["state"] and values["state"] not in US_STATES:
        errors["state"] = [_("Choose a US state.")]
    if values["zip_code"] and not _ZIP.match(values["zip_code"]):
        errors["zip_code"] = [_("A ZIP code has five digits, e.g. 78520.")]
    if not isinstance(moved_on, dt.date):
        errors["moved_on"] = [_("Give the date you moved.")]
    elif moved_on > today:
        errors["moved_on"] = [_("Report a move once it has happened.")]
    elif decision.term_start is not None and moved_on < decision.term_start:
        errors["moved_on"] = [_("The move cannot be before the release.")]
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    deadline = engine.address_report_deadline(
        moved_on, inspection_settings_get().address_report_business_days
    )
    with transaction.atomic():
        # One report at a time per parole, so that two tries with one key cannot both record
        # the move: the second finds the first's report here.
        Decision.objects.select_for_update().filter(pk=decision.pk).first()
        previous = keyed_earlier(
            AddressChange.objects.filter(reported_by=actor), key=key, digest=digest
        )
        if previous is not None:
            return previous, False
        change = AddressChange.objects.create(
            decision=decision,
            line1=values["line1"][:200],
            line2=values["line2"][:200],
            city=values["city"][:100],
            state=values["state"],
            zip_code=values["zip_code"],
            moved_on=moved_on,
            deadline=deadline,
            late=today > deadline,
            reported_by=actor,
            idempotency_key=key,
            idempotency_digest=digest,
        )
        audit_record(
            actor=actor,
            action="inspection.release.address_change",
            target=change,
            data={"late": change.late},
        )
    return change, True


def selfie_bytes(check_in: ReleaseCheckIn) -> bytes:
    with check_in.selfie.open("rb") as handle:
        return handle.read()
