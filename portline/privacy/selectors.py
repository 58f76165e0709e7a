"""Reads of personal data protection: holds, deletion requests, retention runs, the person's
access history and the supervisors' list of unusual access. Every read of a person's data
takes the actor; what the actor may not see is "not found"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portline.accounts.models import PORT_ROLES, Role, User
from portline.audit.models import AuditRecord
from portline.common import clock
from portline.common.errors import NotFound
from portline.inspection.models import Arrival, ArrivalStatus, Decision, IdentityCheck
from portline.privacy.models import DeletionRequest, DeletionStatus, LegalHold, RetentionRun
from portline.registrations.models import Registration
from portline.registrations.selectors import registrations_at_port

READ_ACTIONS = (
    "privacy.case_file.read",
    "privacy.evidence.read",
    "privacy.confirmation_photo.read",
    "privacy.export.create",
)


def active_hold_registrations() -> QuerySet:
    """Ids of the registrations under an active legal hold (a subquery)."""
    return LegalHold.objects.filter(lifted_at__isnull=True, registration__isnull=False).values(
        "registration_id"
    )


def hold_for(registration: Registration) -> LegalHold | None:
    return LegalHold.objects.filter(registration=registration, lifted_at__isnull=True).first()


def reached_port_reason(registration: Registration) -> str:
    """Why the registration can no longer be deleted on request ("" if it can): someone of it
    arrived at a port, had their identity checked there, or has a decision."""
    people = registration.people.values("pk")
    if Arrival.objects.filter(person_id__in=people, status=ArrivalStatus.ARRIVED).exists():
        return _(
            "This registration cannot be deleted: its case was opened at a port of entry. "
            "Records of an inspection are kept as the retention schedule says."
        )
    if (
        IdentityCheck.objects.filter(person_id__in=people).exists()
        or Decision.objects.filter(person_id__in=people).exists()
    ):
        return _(
            "This registration cannot be deleted: its case was opened at a port of entry. "
            "Records of an inspection are kept as the retention schedule says."
        )
    return ""


def access_own_registration(actor: User, reference: str) -> Registration:
    """A registration of the applicant's own account. Anyone else (another applicant, partner
    staff, port staff) gets "not found": the copy, the access history and the deletion
    request are the person's."""
    registration = None
    if actor.is_authenticated and actor.is_active and actor.role == Role.APPLICANT:
        registration = Registration.objects.filter(owner=actor, reference=reference).first()
    if registration is None:
        raise NotFound(_("No such registration."))
    return registration


def pending_deletion(registration: Registration) -> DeletionRequest | None:
    return registration.deletion_requests.filter(status=DeletionStatus.PENDING).first()


def deletion_requests_of(actor: User) -> QuerySet[DeletionRequest]:
    """The actor's own deletion requests, including those already carried out."""
    if not actor.is_authenticated:
        return DeletionRequest.objects.none()
    return DeletionRequest.objects.filter(requested_by=actor)


# Retention runs and holds (program administrator, supervisors) ---------------------------


def retention_runs(actor: User | None = None, *, limit: int = 50) -> list[RetentionRun]:
    """The last runs, newest first: for the program administrator's page and the command line
    (`actor=None`)."""
    if actor is not None and actor.role != Role.PROGRAM_ADMIN:
        raise NotFound(_("Not found."))
    return list(RetentionRun.objects.filter(dry_run=False)[:limit])


def holds_visible_to(actor: User) -> QuerySet[LegalHold]:
    """Program administrators see every hold; supervisors those of their port's cases."""
    qs = LegalHold.objects.select_related("registration", "set_by", "lifted_by")
    if actor.role == Role.PROGRAM_ADMIN:
        return qs
    if actor.role == Role.SUPERVISOR and actor.port_id:
        return qs.filter(registration__in=registrations_at_port(actor.port_id))
    return qs.none()


# The person's access history --------------------------------------------------------------


@dataclass
class AccessEvent:
    at: dt.datetime
    role: str
    action: str


ACTION_LABELS = {
    "privacy.case_file.read": "case_file",
    "privacy.evidence.read": "evidence",
    "privacy.confirmation_photo.read": "confirmation_photo",
    "privacy.export.create": "export",
}


def access_history(registration: Registration) -> list[AccessEvent]:
    """Who read the registration's case file, documents or data, and when: from the audit
    log, each reader named by role only (never by name). For an actor already allowed to see
    the registration."""
    rows = (
        AuditRecord.objects.filter(
            target_type=Registration._meta.label_lower,
            target_id=str(registration.pk),
            action__in=READ_ACTIONS,
        )
        .order_by("-seq")
        .values_list("at", "actor_role", "action")[:500]
    )
    return [
        AccessEvent(at=at, role=role, action=ACTION_LABELS[action]) for at, role, action in rows
    ]


# Unusual access -----------------------------------------------------------------------------


@dataclass
class UnusualReader:
    actor_id: int
    role: str
    display_name: str
    reads: int = 0
    registrations: set[int] = field(default_factory=set)
    outside: set[int] = field(default_factory=set)

    @property
    def outside_count(self) -> int:
        return len(self.outside)


ARRIVAL_WINDOW_BEFORE = dt.timedelta(days=30)
ARRIVAL_WINDOW_AFTER = dt.timedelta(days=1)


def unusual_access(actor: User, *, now: dt.datetime | None = None) -> list[UnusualReader]:
    """Port staff who, over the last `PORTLINE_ACCESS_WINDOW_DAYS` days, opened at least
    `PORTLINE_ACCESS_UNUSUAL_READS` case files of registrations none of whose people arrived
    at the reader's port from 30 days before the read to the day after it. A supervisor sees
    the staff of their port. Others: not found."""
    if actor.role != Role.SUPERVISOR or not actor.port_id:
        raise NotFound(_("Not found."))
    now = now or clock.now()
    since = now - dt.timedelta(days=settings.PORTLINE_ACCESS_WINDOW_DAYS)
    staff = {
        user.pk: user for user in User.objects.filter(port_id=actor.port_id, role__in=PORT_ROLES)
    }
    reads = AuditRecord.objects.filter(
        action__in=READ_ACTIONS[:3],
        at__gte=since,
        actor_id__in=list(staff),
        target_type=Registration._meta.label_lower,
    ).values_list("actor_id", "target_id", "at")
    by_actor: dict[int, UnusualReader] = {}
    wanted: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for actor_id, target_id, at in reads.iterator():
        user = staff[actor_id]
        reader = by_actor.setdefault(
            actor_id, UnusualReader(actor_id, user.role, user.display_name or user.login)
        )
        reader.reads += 1
        reader.registrations.add(int(target_id))
        wanted[actor_id].append((int(target_id), at.date()))
    arrivals: dict[int, list[dt.date]] = defaultdict(list)
    registration_ids = {rid for pairs in wanted.values() for rid, _day in pairs}
    for registration_id, day in Arrival.objects.filter(
        port_id=actor.port_id,
        status=ArrivalStatus.ARRIVED,
        person__registration_id__in=registration_ids,
    ).values_list("person__registration_id", "service_date"):
        arrivals[registration_id].append(day)
    for actor_id, pairs in wanted.items():
        for registration_id, day in pairs:
            days = arrivals.get(registration_id, [])
            if not any(
                day - ARRIVAL_WINDOW_BEFORE <= arrived <= day + ARRIVAL_WINDOW_AFTER
                for arrived in days
            ):
                by_actor[actor_id].outside.add(registration_id)
    threshold = settings.PORTLINE_ACCESS_UNUSUAL_READS
    found = [r for r in by_actor.values() if r.outside_count >= threshold]
    return sorted(found, key=lambda r: (-r.outside_count, r.actor_id))
