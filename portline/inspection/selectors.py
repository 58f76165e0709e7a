"""Reads for the port and the case after release, always scoped to the actor.

Officers and supervisors see only their own port: the people with an appointment there, and
the people who arrived or were decided there. A released person (the registration's owner)
sees only their own final decisions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portline.accounts.models import PORT_ROLES, Role, User
from portline.appointments.models import Appointment, PersonConfirmation
from portline.audit.models import AuditRecord
from portline.audit.selectors import audit_for_target
from portline.common import clock
from portline.common.errors import NotFound
from portline.geofence.models import LocationCheck
from portline.inspection import engine
from portline.inspection.models import (
    AddressChange,
    Arrival,
    Decision,
    DecisionKind,
    DecisionStatus,
    IdentityCheck,
    InspectionSettings,
    ReleaseCheckIn,
)
from portline.registrations.models import EvidenceDocument, EvidenceKind, Person
from portline.registrations.selectors import registrations_at_port
from portline.screening.display import explanation_lines
from portline.screening.models import HitStatus, ScreeningHit, ScreeningRun


def inspection_settings_get() -> InspectionSettings:
    settings, _created = InspectionSettings.objects.get_or_create(pk=1)
    return settings


def is_port_staff(actor: User) -> bool:
    return bool(
        actor.is_authenticated and actor.is_active and actor.role in PORT_ROLES and actor.port_id
    )


def port_today(actor: User) -> dt.date:
    return clock.today_in(actor.port.time_zone)


def appointments_at_port(actor: User) -> QuerySet[Appointment]:
    """Appointments at the actor's port (any status)."""
    if not is_port_staff(actor):
        return Appointment.objects.none()
    return Appointment.objects.filter(port_id=actor.port_id)


def access_port_appointment(actor: User, confirmation_number: str) -> Appointment:
    """An appointment at the actor's port, by its confirmation number."""
    appointment = (
        appointments_at_port(actor)
        .select_related("registration", "port")
        .filter(confirmation_number=confirmation_number)
        .first()
    )
    if appointment is None:
        raise NotFound(_("No such appointment at your port."))
    return appointment


def no_show_open(appointment: Appointment) -> bool:
    """Whether a no-show may be recorded now: from the appointment's time on."""
    return clock.now() >= appointment.slot_starts_at


def people_visible_to(actor: User) -> QuerySet[Person]:
    """The people of the registrations at the actor's port: the same rule as the API
    (`registrations_at_port`)."""
    if not is_port_staff(actor):
        return Person.objects.none()
    return Person.objects.filter(
        registration__in=registrations_at_port(actor.port_id)
    ).select_related("registration")


def access_person_for_walk_up(actor: User, reference: str, position: int) -> Person:
    """A person presenting without an appointment here, by the reference they carry: the
    people at this port, or of a submitted registration that asked for this port. Recording
    the walk-up puts them at the port; nothing else is shown before it."""
    if not is_port_staff(actor):
        raise NotFound(_("No such person at your port."))
    asked = Q(registration__requests__first_port_id=actor.port_id) | Q(
        registration__requests__second_port_id=actor.port_id
    )
    person = (
        Person.objects.filter(
            Q(registration__in=registrations_at_port(actor.port_id)) | asked,
            registration__status="submitted",
            registration__reference=reference,
            position=position,
        )
        .select_related("registration")
        .first()
    )
    if person is None:
        raise NotFound(_("No such person at your port."))
    return person


def access_case_person(actor: User, reference: str, position: int) -> Person:
    person = (
        people_visible_to(actor)
        .filter(registration__reference=reference, position=position)
        .first()
    )
    if person is None:
        raise NotFound(_("No such person at your port."))
    return person


def access_case_evidence(actor: User, evidence_id: int) -> EvidenceDocument:
    registrations = people_visible_to(actor).values("registration_id")
    document = (
        EvidenceDocument.objects.filter(pk=evidence_id, registration_id__in=registrations)
        .select_related("registration", "person")
        .first()
    )
    if document is None:
        raise NotFound(_("No such document."))
    return document


def confirmation_photos_for(actor: User, person: Person) -> list[PersonConfirmation]:
    """The live photos taken when the person confirmed an appointment at the actor's port."""
    if not is_port_staff(actor):
        return []
    return list(
        PersonConfirmation.objects.filter(
            person=person, appointment__port_id=actor.port_id
        ).order_by("-confirmed_at")[:3]
    )


def access_confirmation_photo(actor: User, confirmation_id: int) -> PersonConfirmation:
    people = people_visible_to(actor).values("pk")
    found = PersonConfirmation.objects.filter(
        pk=confirmation_id, person_id__in=people, appointment__port_id=actor.port_id
    ).first()
    if found is None:
        raise NotFound(_("No such document."))
    return found


def decisions_visible_to(actor: User) -> QuerySet[Decision]:
    qs = Decision.objects.select_related("person", "person__registration", "port")
    if is_port_staff(actor):
        return qs.filter(port_id=actor.port_id)
    if actor.is_authenticated and actor.is_active and actor.role == Role.APPLICANT:
        return qs.filter(person__registration__owner=actor, status=DecisionStatus.FINAL)
    return qs.none()


def decisions_other_than_parole(actor: User) -> QuerySet[Decision]:
    return decisions_visible_to(actor).exclude(kind=DecisionKind.PAROLE)


def access_decision(actor: User, decision_id: int) -> Decision:
    decision = decisions_visible_to(actor).filter(pk=decision_id).first()
    if decision is None:
        raise NotFound(_("No such decision."))
    return decision


def access_release_case(actor: User, record_number: str) -> Decision:
    """A final parole decision the actor may act on after release (its person, or port staff)."""
    decision = (
        decisions_visible_to(actor)
        .filter(record_number=record_number, kind=DecisionKind.PAROLE, status=DecisionStatus.FINAL)
        .first()
    )
    if decision is None:
        raise NotFound(_("No such release record."))
    return decision


def release_cases_for(actor: User) -> QuerySet[Decision]:
    return decisions_visible_to(actor).filter(kind=DecisionKind.PAROLE, status=DecisionStatus.FINAL)


# --- The console -------------------------------------------------------------------------


def slot_of(appointment: Appointment) -> str:
    """The appointment's time slot as text (HH:MM, the port's local time)."""
    return appointment.slot_starts_at.astimezone(ZoneInfo(appointment.port.time_zone)).strftime(
        "%H:%M"
    )


@dataclass
class ExpectedPerson:
    person: Person
    arrival: Arrival | None


@dataclass
class ExpectedGroup:
    appointment: Appointment
    people: list[ExpectedPerson]

    @property
    def arrived(self) -> int:
        return sum(1 for p in self.people if p.arrival and p.arrival.status == "arrived")


@dataclass
class ExpectedSlot:
    slot: str
    groups: list[ExpectedGroup] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(len(g.people) for g in self.groups)


def expected_arrivals(actor: User, day: dt.date) -> list[ExpectedSlot]:
    """Confirmed appointments at the actor's port on `day`, by time slot, each group with its people."""
    appointments = list(
        appointments_at_port(actor)
        .filter(service_date=day, status="confirmed")
        .select_related("registration", "port")
    )
    arrivals = {
        a.person_id: a
        for a in Arrival.objects.filter(
            port_id=actor.port_id, service_date=day, person__isnull=False
        )
    }
    people: dict[int, list[Person]] = {}
    for person in Person.objects.filter(
        registration_id__in=[a.registration_id for a in appointments]
    ).order_by("position"):
        people.setdefault(person.registration_id, []).append(person)
    slots: dict[str, ExpectedSlot] = {}
    for appointment in appointments:
        label = slot_of(appointment)
        group = ExpectedGroup(
            appointment,
            [
                ExpectedPerson(p, arrivals.get(p.pk))
                for p in people.get(appointment.registration_id, [])
            ],
        )
        slots.setdefault(label, ExpectedSlot(label)).groups.append(group)
    return [slots[k] for k in sorted(slots)]


def arrivals_by_person(actor: User, people: list[Person], day: dt.date) -> dict[int, Arrival]:
    if not is_port_staff(actor):
        return {}
    return {
        a.person_id: a
        for a in Arrival.objects.filter(person__in=people, port_id=actor.port_id, service_date=day)
    }


def walk_ups(actor: User, day: dt.date) -> QuerySet[Arrival]:
    if not is_port_staff(actor):
        return Arrival.objects.none()
    return Arrival.objects.filter(
        port_id=actor.port_id, service_date=day, kind="walk_up"
    ).select_related("person", "person__registration")


def pending_decisions(actor: User) -> QuerySet[Decision]:
    return (
        decisions_visible_to(actor)
        .filter(status=DecisionStatus.PENDING_APPROVAL)
        .exclude(decided_by=actor)
        if is_port_staff(actor)
        else Decision.objects.none()
    )


# --- The case file -------------------------------------------------------------------------


def screening_hits_for(person: Person) -> list[ScreeningHit]:
    """The hits of the person's latest screening run (each re-screen starts a fresh run), with
    `explanation_lines` in the reader's language."""
    run = ScreeningRun.objects.filter(person=person).order_by("-created_at", "-id").first()
    if run is None:
        return []
    hits = list(
        ScreeningHit.objects.filter(run=run)
        .select_related("entry", "entry__watchlist", "adjudicated_by")
        .order_by("rank")
    )
    for hit in hits:
        hit.explanation_lines = explanation_lines(hit.explanation)
    return hits


def open_hits_for(person: Person) -> list[ScreeningHit]:
    return [h for h in screening_hits_for(person) if h.status == HitStatus.OPEN]


def has_confirmed_match(person: Person) -> bool:
    """Any hit of any run found to be a true match (an adjudication is never forgotten)."""
    return ScreeningHit.objects.filter(run__person=person, status=HitStatus.TRUE_MATCH).exists()


def geofence_checks_for(person: Person) -> list[LocationCheck]:
    """Location checks recorded for the person's registration (newest first)."""
    return list(
        LocationCheck.objects.filter(registration_id=person.registration_id).order_by(
            "-checked_at", "-id"
        )[:50]
    )


def case_history(person: Person) -> list[AuditRecord]:
    rows = list(
        audit_for_target(
            target_type="registrations.registration", target_id=str(person.registration_id)
        )
    )
    rows += list(audit_for_target(target_type="registrations.person", target_id=str(person.pk)))
    own = {
        "inspection.arrival": Arrival.objects.filter(person=person).values_list("pk", flat=True),
        "inspection.identitycheck": IdentityCheck.objects.filter(person=person).values_list(
            "pk", flat=True
        ),
        "inspection.decision": Decision.objects.filter(person=person).values_list("pk", flat=True),
    }
    for target_type, ids in own.items():
        rows += list(
            AuditRecord.objects.filter(target_type=target_type, target_id__in=[str(i) for i in ids])
        )
    hits = screening_hits_for(person)
    if hits:
        label = hits[0]._meta.label_lower
        rows += list(
            AuditRecord.objects.filter(target_type=label, target_id__in=[str(h.pk) for h in hits])
        )
    rows.sort(key=lambda r: (r.at, r.pk))
    return rows


@dataclass
class CaseFile:
    person: Person
    group: list[Person]
    photos: list[EvidenceDocument]
    confirmation_photos: list[PersonConfirmation]
    documents: list[EvidenceDocument]
    arrivals: list[Arrival]
    identity_checks: list[IdentityCheck]
    hits: list[ScreeningHit]
    geofence_checks: list[LocationCheck]
    decisions: list[Decision]
    history: list[AuditRecord]

    @property
    def active_decision(self) -> Decision | None:
        return next((d for d in self.decisions if d.status in ("pending", "final")), None)

    @property
    def open_hits(self) -> int:
        return sum(1 for h in self.hits if h.status == HitStatus.OPEN)


def case_file(actor: User, person: Person) -> CaseFile:
    """Everything about one person, for an actor already allowed to see them."""
    evidence = list(
        EvidenceDocument.objects.filter(registration_id=person.registration_id).filter(
            Q(person=person) | Q(person__isnull=True)
        )
    )
    return CaseFile(
        person=person,
        group=list(person.registration.people.order_by("position")),
        photos=[e for e in evidence if e.kind == EvidenceKind.PHOTO],
        confirmation_photos=confirmation_photos_for(actor, person),
        documents=[e for e in evidence if e.kind != EvidenceKind.PHOTO],
        arrivals=list(Arrival.objects.filter(person=person, port_id=actor.port_id)),
        identity_checks=list(
            IdentityCheck.objects.filter(person=person).select_related("recorded_by")
        ),
        hits=screening_hits_for(person),
        geofence_checks=geofence_checks_for(person),
        decisions=list(
            Decision.objects.filter(person=person, port_id=actor.port_id).select_related(
                "decided_by", "reviewed_by"
            )
        ),
        history=case_history(person),
    )


# --- After release -------------------------------------------------------------------------


def current_address(decision: Decision) -> dict[str, str]:
    change = decision.address_changes.order_by("-moved_on", "-id").first()
    if change is not None:
        return {
            "line1": change.line1,
            "line2": change.line2,
            "city": change.city,
            "state": change.state,
            "zip_code": change.zip_code,
        }
    r = decision.person.registration
    return {
        "line1": r.us_address_line1,
        "line2": r.us_address_line2,
        "city": r.us_city,
        "state": r.us_state,
        "zip_code": r.us_zip,
    }


@dataclass
class ReleaseStatus:
    decision: Decision
    schedule: list[engine.DueItem]
    check_ins: list[ReleaseCheckIn]
    address_changes: list[AddressChange]
    address: dict[str, str]
    work_authorization_from: dt.date
    days_to_expiry: int

    @property
    def overdue(self) -> list[engine.DueItem]:
        return [i for i in self.schedule if i.state == engine.DueState.OVERDUE]

    @property
    def next_due(self) -> engine.DueItem | None:
        return next(
            (
                i
                for i in self.schedule
                if i.state in (engine.DueState.OPEN, engine.DueState.UPCOMING)
            ),
            None,
        )


def release_status(decision: Decision, *, today: dt.date | None = None) -> ReleaseStatus:
    rules = inspection_settings_get()
    today = today or clock.today_in(decision.port.time_zone)
    check_ins = list(decision.check_ins.order_by("at"))
    interval = decision.reporting_interval_days or 0
    schedule = (
        engine.schedule_status(
            engine.reporting_schedule(decision.term_start, decision.term_end, interval),
            [c.local_date for c in check_ins],
            today,
            interval_days=interval,
            grace_days=rules.reporting_grace_days,
        )
        if interval
        else []
    )
    return ReleaseStatus(
        decision=decision,
        schedule=schedule,
        check_ins=check_ins,
        address_changes=list(decision.address_changes.order_by("-moved_on", "-id")),
        address=current_address(decision),
        work_authorization_from=engine.work_authorization_date(
            decision.term_start, rules.work_authorization_days
        ),
        days_to_expiry=(decision.term_end - today).days,
    )


@dataclass(frozen=True)
class OverdueCase:
    decision: Decision
    due: dt.date  # the most recent due date whose window has closed without a check-in
    last_check_in: dt.date | None


def overdue_cases(actor: User, *, limit: int = 500) -> list[OverdueCase]:
    """Released people of the actor's port who missed their most recent check-in (its due date
    plus the grace days has passed with no check-in in its window). Computed from two
    queries, so it stays fast with hundreds of thousands of active paroles at a port."""
    if not is_port_staff(actor):
        return []
    today = port_today(actor)
    grace = inspection_settings_get().reporting_grace_days
    rows = list(
        release_cases_for(actor)
        .filter(term_end__gte=today - dt.timedelta(days=grace + 1), reporting_interval_days__gt=0)
        .values_list("pk", "term_start", "term_end", "reporting_interval_days")
    )
    if not rows:
        return []
    longest = max(r[3] for r in rows)
    check_ins: dict[int, list[dt.date]] = {}
    for decision_id, day in ReleaseCheckIn.objects.filter(
        decision__port_id=actor.port_id,
        local_date__gte=today - dt.timedelta(days=longest + grace + 1),
    ).values_list("decision_id", "local_date"):
        check_ins.setdefault(decision_id, []).append(day)
    missed: dict[int, tuple[dt.date, dt.date | None]] = {}
    for pk, start, end, interval in rows:
        k = min((today - start).days - grace - 1, (end - start).days) // interval
        if k < 1:
            continue
        due = start + dt.timedelta(days=interval * k)
        opens = due - dt.timedelta(days=interval - 1)
        closes = due + dt.timedelta(days=grace)
        days = check_ins.get(pk, [])
        if not any(opens <= day <= closes for day in days):
            missed[pk] = (due, max(days) if days else None)
    ordered = sorted(missed, key=lambda pk: missed[pk][0])[:limit]
    decisions = {
        d.pk: d
        for d in Decision.objects.filter(pk__in=ordered).select_related(
            "person", "person__registration", "port"
        )
    }
    return [OverdueCase(decisions[pk], *missed[pk]) for pk in ordered]


def upcoming_expiries(actor: User) -> QuerySet[Decision]:
    if not is_port_staff(actor):
        return Decision.objects.none()
    today = port_today(actor)
    horizon = today + dt.timedelta(days=inspection_settings_get().expiry_warning_days)
    return (
        release_cases_for(actor)
        .filter(term_end__gte=today, term_end__lte=horizon)
        .order_by("term_end")
    )
