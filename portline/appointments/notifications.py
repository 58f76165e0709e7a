"""Telling people about their appointment: e-mail (Django's backend) and SMS (a small interface).

Messages are written in the person's language and carry no more than the person needs:
port, date, time, deadline and the confirmation number. They are sent from a background
task (`tasks.appointments_notify`), never inside a request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from portline.appointments.models import Appointment
from portline.appointments.selectors import appointment_local_times

# The SMS interface lives in portline.common.sms (account invitations use it too); its names
# stay importable from here, where PORTLINE_SMS_SENDER paths have pointed so far.
from portline.common.sms import (  # noqa: F401
    ConsoleSmsSender,
    LocmemSmsSender,
    SmsSender,
    sms_sender,
)

logger = logging.getLogger(__name__)

EVENTS = ("offered", "confirmed", "expired", "cancelled")


def _contacts(appointment: Appointment) -> tuple[str, str]:
    """(e-mail, phone) of the group: the main applicant's, else the account's."""
    main = appointment.registration.people.order_by("position").first()
    owner = appointment.registration.owner
    email = (main.email if main else "") or (owner.email if owner else "")
    phone = (main.phone if main else "") or (owner.phone if owner else "")
    return email, phone


def _message(appointment: Appointment, event: str) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS body) in the active language."""
    times = appointment_local_times(appointment)
    values = {
        "port": appointment.port.name,
        "city": appointment.port.mexican_city,
        "date": times["date"],
        "time": times["time"],
        "deadline": times["confirm_by"],
        "number": appointment.confirmation_number_display,
        "people": appointment.group_size,
    }
    if event == "offered":
        subject = _("You have an appointment to confirm")
        lines = [
            _(
                "You were selected for an appointment at %(port)s (%(city)s) on %(date)s at %(time)s."
            )
            % values,
            _(
                "Confirm it before %(deadline)s: each person in the group confirms with a photo taken with the phone's camera and their location."
            )
            % values,
            _(
                "If you do not confirm in time, the places go to the standby list and you can request again. There is no penalty."
            )
            % values,
        ]
        sms = (
            _(
                "Portline: appointment at %(port)s on %(date)s %(time)s. Confirm before %(deadline)s."
            )
            % values
        )
    elif event == "confirmed":
        subject = _("Your appointment is confirmed")
        lines = [
            _(
                "Your appointment at %(port)s (%(city)s) on %(date)s at %(time)s is confirmed for %(people)s person(s)."
            )
            % values,
            _("Confirmation number: %(number)s") % values,
            _(
                "Bring your documents and this confirmation number. Nobody may charge you for an appointment."
            )
            % values,
        ]
        sms = (
            _("Portline: appointment confirmed, %(port)s %(date)s %(time)s, number %(number)s.")
            % values
        )
    elif event == "expired":
        subject = _("Your appointment was not confirmed in time")
        lines = [
            _(
                "The appointment at %(port)s on %(date)s was not confirmed before %(deadline)s and has expired."
            )
            % values,
            _(
                "You can request an appointment again in the next request window. There is no penalty."
            )
            % values,
        ]
        sms = (
            _("Portline: your appointment at %(port)s on %(date)s expired. You can request again.")
            % values
        )
    elif event == "cancelled":
        subject = _("Your appointment was cancelled")
        lines = [
            _("The appointment at %(port)s on %(date)s was cancelled.") % values,
            _("You can request an appointment again in the next request window.") % values,
        ]
        sms = _("Portline: your appointment at %(port)s on %(date)s was cancelled.") % values
    else:
        raise ValueError(f"unknown event {event!r}")
    return subject, "\n\n".join([*lines, "Portline"]) + "\n", sms


def appointment_notify_send(*, appointment: Appointment, event: str) -> dict[str, bool]:
    """Send the e-mail and the SMS for one event. Returns which channels were used."""
    email, phone = _contacts(appointment)
    with translation.override(appointment.language or "en"):
        subject, body, sms = _message(appointment, event)
    sent = {"email": False, "sms": False}
    if email:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        sent["email"] = True
    if phone:
        sms_sender().send(to=phone, body=sms)
        sent["sms"] = True
    logger.info(
        "appointment %s notified of %s (%s)",
        appointment.pk,
        event,
        ",".join(k for k, v in sent.items() if v) or "no contact",
    )
    return sent
