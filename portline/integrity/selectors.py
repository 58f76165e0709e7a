"""Reads of integrity flags, scoped to the actor, and the plain data the rules run on.

Supervisors see every flag (patterns cross ports and partners) and decide them; officers see,
read-only, the flags on registrations of their own port's cases; nobody else sees any.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.common.errors import NotFound
from portline.geofence.models import LocationSignal
from portline.integrity.models import GEOFENCE_FLAG_KINDS, Flag, FlagState
from portline.integrity.rules import Thresholds
from portline.registrations.models import Registration
from portline.registrations.selectors import registrations_visible_to


def thresholds_get() -> Thresholds:
    """The rules' thresholds from settings (config/env.py)."""
    return Thresholds(**settings.PORTLINE_INTEGRITY_THRESHOLDS)


def flags_visible_to(actor: User) -> QuerySet[Flag]:
    qs = Flag.objects.all()
    if not actor.is_authenticated or not actor.is_active:
        return qs.none()
    if actor.role == Role.SUPERVISOR and actor.port_id:
        return qs
    if actor.role == Role.OFFICER and actor.port_id:
        return qs.filter(
            pk__in=Flag.objects.filter(
                subjects__registration__in=registrations_visible_to(actor)
            ).values("pk")
        )
    return qs.none()


def access_flag(actor: User, flag_id: int) -> Flag:
    flag = flags_visible_to(actor).filter(pk=flag_id).first()
    if flag is None:
        raise NotFound(_("No such integrity flag."))
    return flag


def flags_for_registration(actor: User, registration: Registration) -> list[Flag]:
    """The case file's integrity section: flags naming this registration the actor may see."""
    return list(
        flags_visible_to(actor)
        .filter(subjects__registration=registration)
        .select_related("assigned_to", "decided_by")
        .order_by("-severity", "-created_at")[:50]
    )


def case_flags(actor: User, registration: Registration) -> list[tuple[Flag, str]]:
    """The flags of a case file with their explanations, in the reader's language."""
    from portline.integrity.explanations import flag_explanation

    return [(flag, flag_explanation(flag)) for flag in flags_for_registration(actor, registration)]


def flags_queue(
    actor: User,
    *,
    kind: str = "",
    port_id: int | None = None,
    partner_id: int | None = None,
    severity: str = "",
    state: str = "",
) -> QuerySet[Flag]:
    """The supervisor's queue, filtered; open and under-review flags first when no state."""
    qs = flags_visible_to(actor) if actor.role == Role.SUPERVISOR else Flag.objects.none()
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if state:
        qs = qs.filter(state=state)
    else:
        qs = qs.filter(state__in=[FlagState.OPEN, FlagState.UNDER_REVIEW])
    if port_id:
        qs = qs.filter(
            pk__in=Flag.objects.filter(
                Q(subjects__registration__requests__first_port_id=port_id)
                | Q(subjects__registration__requests__second_port_id=port_id)
            ).values("pk")
        )
    if partner_id:
        qs = qs.filter(
            pk__in=Flag.objects.filter(subjects__registration__partner_id=partner_id).values("pk")
        )
    return qs.select_related("assigned_to").order_by("-created_at", "-id")


def flag_subject_references(flag: Flag) -> list[str]:
    return list(
        Registration.objects.filter(integrity_subjects__flag=flag)
        .order_by("reference")
        .values_list("reference", flat=True)
    )


@dataclass
class GeofenceReviewRow:
    flag: Flag
    signals: list[LocationSignal]


def geofence_review(actor: User, *, kind: str = "") -> list[GeofenceReviewRow]:
    """Flags raised from the stored geofence signals, each with its signals, for supervisors."""
    kinds = [kind] if kind in GEOFENCE_FLAG_KINDS else list(GEOFENCE_FLAG_KINDS)
    flags = list(
        flags_queue(actor, state="").filter(kind__in=kinds)[:200]
        if actor.role == Role.SUPERVISOR
        else []
    )
    ids = {i for f in flags for i in f.params.get("signals", [])}
    signals = {
        s.pk: s
        for s in LocationSignal.objects.filter(pk__in=ids).select_related(
            "check_record", "registration"
        )
    }
    return [
        GeofenceReviewRow(
            flag=f, signals=[signals[i] for i in f.params.get("signals", []) if i in signals]
        )
        for f in flags
    ]
