"""Reads of appointments, scoped to the actor, and the QR token check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core import signing
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.appointments import tokens
from portline.appointments.models import LIVE_STATUSES, Appointment, AppointmentStatus
from portline.common import clock
from portline.common.countries import language_base, shipped_names
from portline.common.errors import ApplicationError, NotFound
from portline.common.zones import time_with_place
from portline.registrations.models import AppointmentRequest, Person, Registration
from portline.registrations.selectors import registrations_visible_to


def format_day(day: dt.date, language: str | None = None) -> str:
    language = language_base(language)
    months = shipped_names(language).get("months")
    if months:  # a language Babel has no dates for (Haitian Creole: it would print French)
        return f"{day.day} {months[day.month - 1]} {day.year}"
    from babel.dates import format_date

    try:
        return format_date(day, format="long", locale=language)
    except Exception:  # an unknown locale: an unambiguous ISO date
        return day.isoformat()


def appointment_local_times(
    appointment: Appointment, language: str | None = None
) -> dict[str, str]:
    """Date, time and deadline as shown to people: the port's wall clock, 24-hour, named by
    the port ("10:30, San Ysidro time"), never by a zone identifier or abbreviation."""
    tz = ZoneInfo(appointment.port.time_zone)
    start = appointment.slot_starts_at.astimezone(tz)
    deadline = appointment.confirm_by.astimezone(tz)
    place = appointment.port.name
    with translation.override(language or get_language()):
        return {
            "date": format_day(appointment.service_date, language),
            "time": time_with_place(f"{start:%H:%M}", place),
            "confirm_by": time_with_place(
                f"{format_day(deadline.date(), language)} {deadline:%H:%M}", place
            ),
        }


def countdown_text(deadline: dt.datetime, *, now: dt.datetime | None = None) -> str:
    remaining = deadline - (now or clock.now())
    if remaining.total_seconds() <= 0:
        return _("The deadline has passed.")
    hours, rest = divmod(int(remaining.total_seconds()), 3600)
    minutes = rest // 60
    return _("%(hours)d h %(minutes)02d min left to confirm.") % {
        "hours": hours,
        "minutes": minutes,
    }


def appointments_visible_to(actor: User) -> QuerySet[Appointment]:
    """Only the applicant who owns the registration, or its partner organization's staff."""
    if not actor.is_authenticated or actor.role not in (Role.APPLICANT, Role.PARTNER_STAFF):
        return Appointment.objects.none()
    return Appointment.objects.filter(
        registration__in=registrations_visible_to(actor)
    ).select_related("registration", "port", "request")


def access_appointment(actor: User, appointment_id: int) -> Appointment:
    appointment = appointments_visible_to(actor).filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound(_("No such appointment."))
    return appointment


def confirmation_number_normalise(raw: str) -> str:
    """A confirmation number as stored: upper case, letters and digits only."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def access_appointment_by_number(actor: User, confirmation_number: str) -> Appointment:
    """One of the actor's appointments by its confirmation number (as typed: any case, dashes)."""
    number = confirmation_number_normalise(confirmation_number)
    appointment = appointments_visible_to(actor).filter(confirmation_number=number).first()
    if appointment is None:
        raise NotFound(_("No such appointment."))
    return appointment


def appointment_member(appointment: Appointment, position: int) -> Person:
    """The person at `position` in the appointment's group."""
    person = appointment.registration.people.filter(position=position).first()
    if person is None:
        raise NotFound(_("No such person in this group."))
    return person


def person_has_confirmed(appointment: Appointment, person: Person) -> bool:
    return appointment.confirmations.filter(person=person).exists()


def access_registration_for_appointments(actor: User, reference: str) -> Registration:
    """The registration, for its owner or partner staff only (not port staff)."""
    if not actor.is_authenticated or actor.role not in (Role.APPLICANT, Role.PARTNER_STAFF):
        raise NotFound(_("No such registration."))
    from portline.registrations.selectors import access_registration

    return access_registration(actor, reference)


def appointment_live_for(registration: Registration) -> Appointment | None:
    """The registration's offered or confirmed appointment, if any (while it holds one it does
    not need to request; when it expires or is cancelled the registration requests again)."""
    return (
        registration.appointments.filter(status__in=LIVE_STATUSES)
        .select_related("port")
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class PersonProgress:
    person: Person
    confirmed: bool


def appointment_progress(appointment: Appointment) -> list[PersonProgress]:
    done = set(appointment.confirmations.values_list("person_id", flat=True))
    return [
        PersonProgress(person=p, confirmed=p.pk in done)
        for p in appointment.registration.people.order_by("position")
    ]


@dataclass(frozen=True)
class RoundOutcome:
    """What the applicant sees for their latest request: pending, selected, standby, not selected."""

    request: AppointmentRequest | None
    outcome: str  # "none", "pending", "selected", "standby", "not_selected", "cancelled"
    appointment: Appointment | None
    standby_rank: int | None = None


def registration_outcome(registration: Registration) -> RoundOutcome:
    request = (
        registration.requests.select_related("first_port", "second_port")
        .order_by("-round_date", "-id")
        .first()
    )
    live = appointment_live_for(registration)
    if request is None:
        return RoundOutcome(request=None, outcome="none", appointment=live)
    appointment = live or request.appointments.select_related("port").order_by("-id").first()
    outcome = request.status
    standby_rank = None
    from portline.allocation.models import RoundSelection

    selection = RoundSelection.objects.filter(request=request).order_by("-id").first()
    if selection is not None:
        outcome = selection.outcome
        if outcome == "standby":
            standby_rank = (
                RoundSelection.objects.filter(
                    round_id=selection.round_id,
                    port_id=selection.port_id,
                    service_date=selection.service_date,
                    outcome="standby",
                    rank__lt=selection.rank,
                ).count()
                + 1
            )
    return RoundOutcome(
        request=request, outcome=outcome, appointment=appointment, standby_rank=standby_rank
    )


def appointment_token(appointment: Appointment) -> str:
    return tokens.token_make(
        confirmation_number=appointment.confirmation_number,
        port_code=appointment.port.code,
        service_date_iso=appointment.service_date.isoformat(),
    )


def appointment_token_verify(token: str) -> Appointment:
    """The appointment a scanned QR code stands for, if it is genuine and valid today or later.

    Raises ApplicationError with code `forged` (bad signature or altered), `unknown` (no such
    appointment), `mismatch` (signed port/date differ from the appointment's), `not_confirmed`,
    `expired`, `cancelled` or `past` (the date has gone by)."""
    try:
        payload = tokens.token_read((token or "").strip())
    except signing.BadSignature as exc:
        raise ApplicationError(
            _("This code was not issued by Portline or has been altered."), code="forged"
        ) from exc
    appointment = (
        Appointment.objects.select_related("port", "registration")
        .filter(confirmation_number=payload["n"])
        .first()
    )
    if appointment is None:
        raise ApplicationError(_("No appointment has this confirmation number."), code="unknown")
    if (
        payload["p"] != appointment.port.code
        or payload["d"] != appointment.service_date.isoformat()
    ):
        raise ApplicationError(
            _("This code does not match the appointment's port or date."), code="mismatch"
        )
    if appointment.status == AppointmentStatus.EXPIRED:
        raise ApplicationError(
            _("This appointment expired: it was not confirmed in time."), code="expired"
        )
    if appointment.status == AppointmentStatus.CANCELLED:
        raise ApplicationError(_("This appointment was cancelled."), code="cancelled")
    if appointment.status != AppointmentStatus.CONFIRMED:
        raise ApplicationError(_("This appointment has not been confirmed."), code="not_confirmed")
    if clock.today_in(appointment.port.time_zone) > appointment.service_date:
        raise ApplicationError(_("The date of this appointment has passed."), code="past")
    return appointment
