"""Reads of registrations, always scoped to the actor (least privilege)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from portline.accounts.models import PORT_ROLES, Role, User
from portline.common.errors import NotFound
from portline.registrations.models import (
    AppointmentRequest,
    EvidenceDocument,
    EvidenceKind,
    PartnerConsent,
    Person,
    Registration,
    RegistrationStatus,
)


def registrations_visible_to(actor: User) -> QuerySet[Registration]:
    """Applicants see their own; partner staff their organization's, while the person's consent
    stands (withdrawn: the organization sees nothing more of it); port staff the submitted
    registrations at their port (`registrations_at_port`). Administrators and analysts see no
    personal records (they work with configuration and aggregates)."""
    qs = Registration.objects.all()
    if not actor.is_authenticated or not actor.is_active:
        return qs.none()
    if actor.role == Role.APPLICANT:
        return qs.filter(owner=actor)
    if actor.role == Role.PARTNER_STAFF and actor.partner_id:
        return qs.filter(partner_id=actor.partner_id).filter(
            Exists(
                PartnerConsent.objects.filter(
                    registration=OuterRef("pk"), partner_id=actor.partner_id, withdrawn_at=None
                )
            )
        )
    if actor.role in PORT_ROLES and actor.port_id:
        return registrations_at_port(actor.port_id)
    return qs.none()


def registrations_with_people_count(actor: User) -> QuerySet[Registration]:
    """The actor's registrations, each with `people_count`, newest first."""
    return (
        registrations_visible_to(actor)
        .select_related("partner")
        .annotate(people_count=Count("people"))
        .order_by("-created_at", "-id")
    )


def registrations_at_port(port_id: int) -> QuerySet[Registration]:
    """The one rule for port officers and supervisors, on the pages and in the API alike: a
    submitted registration is at a port when it holds an appointment there (any status), or
    when one of its people arrived or was decided there (walk-ups). Naming the port as a
    choice in a request is not enough: every registration asks for some port.

    The later steps are reached through their reverse relations (appointments, arrivals,
    decisions), so this module imports none of those apps."""
    here = (
        Q(appointments__port_id=port_id)
        | Q(people__arrivals__port_id=port_id)
        | Q(people__decisions__port_id=port_id)
    )
    return Registration.objects.filter(
        status=RegistrationStatus.SUBMITTED,
        pk__in=Registration.objects.filter(here).values("pk"),
    )


def access_registration(actor: User, reference: str) -> Registration:
    registration = registrations_visible_to(actor).filter(reference=reference).first()
    if registration is None:
        raise NotFound(_("No such registration."))
    return registration


def access_person(actor: User, reference: str, position: int) -> Person:
    person = (
        Person.objects.filter(
            registration__in=registrations_visible_to(actor),
            registration__reference=reference,
            position=position,
        )
        .select_related("registration")
        .first()
    )
    if person is None:
        raise NotFound(_("No such person in this registration."))
    return person


def access_evidence(actor: User, evidence_id: int) -> EvidenceDocument:
    document = (
        EvidenceDocument.objects.filter(
            registration__in=registrations_visible_to(actor), pk=evidence_id
        )
        .select_related("registration", "person")
        .first()
    )
    if document is None:
        raise NotFound(_("No such document."))
    return document


def requests_visible_to(actor: User) -> QuerySet[AppointmentRequest]:
    return AppointmentRequest.objects.filter(
        registration__in=registrations_visible_to(actor)
    ).select_related("registration", "first_port", "second_port")


@dataclass
class Readiness:
    """What still stands between a draft and its submission, per person and for the group."""

    group: list[str] = field(default_factory=list)
    people: dict[int, list[str]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.group and not any(self.people.values())


def partner_registrations_list(*, actor: User, query: str = "") -> QuerySet[Registration]:
    """The partner's list of registrations: scoped by registrations_visible_to, with what staff
    need to find a person (reference, main applicant's name, group size) and where each one
    stands (its latest request)."""
    latest = AppointmentRequest.objects.filter(registration=OuterRef("pk")).order_by(
        "-round_date", "-id"
    )
    main = Person.objects.filter(registration=OuterRef("pk")).order_by("position")
    size = (
        Person.objects.filter(registration=OuterRef("pk"))
        .order_by()
        .values("registration")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = registrations_visible_to(actor).annotate(
        latest_request_status=Subquery(latest.values("status")[:1]),
        latest_request_date=Subquery(latest.values("round_date")[:1]),
        main_given_names=Subquery(main.values("given_names")[:1]),
        main_family_names=Subquery(main.values("family_names")[:1]),
        people_count=Coalesce(Subquery(size, output_field=IntegerField()), Value(0)),
    )
    query = (query or "").strip()
    if query:
        named = Person.objects.filter(
            Q(given_names__icontains=query) | Q(family_names__icontains=query)
        )
        qs = qs.filter(Q(reference__iexact=query) | Q(pk__in=named.values("registration_id")))
    return qs.order_by("-created_at", "-id")


def access_request(actor: User, request_id: int) -> AppointmentRequest:
    found = requests_visible_to(actor).filter(pk=request_id).first()
    if found is None:
        raise NotFound(_("No such appointment request."))
    return found


def requests_of_registration(
    actor: User, registration: Registration, *, round_date: dt.date | None = None
) -> QuerySet[AppointmentRequest]:
    """The registration's requests the actor may see (newest round first), or one round's."""
    qs = requests_visible_to(actor).filter(registration=registration)
    if round_date is not None:
        qs = qs.filter(round_date=round_date)
    return qs.order_by("-round_date", "-id")


def _field_label(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(field.verbose_name) if isinstance(field, models.Field) else name


def registration_readiness(registration: Registration) -> Readiness:
    readiness = Readiness()
    people = list(registration.people.all())
    if not people:
        readiness.group.append(_("Add at least one person."))
    if not registration.basis:
        readiness.group.append(_("Say why you are asking for an appointment."))
    for name in ("us_address_line1", "us_city", "us_state", "us_zip"):
        if not getattr(registration, name):
            readiness.group.append(_("Fill in the US destination address."))
            break
    photo_people = set(
        registration.evidence.filter(kind=EvidenceKind.PHOTO, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    for person in people:
        missing = [
            _field_label(Person, name)
            for name in Person.REQUIRED_TO_SUBMIT
            if getattr(person, name) in (None, "")
        ]
        if person.position == 1 and not (person.email or person.phone):
            missing.append(_("a phone or e-mail"))
        if person.pk not in photo_people:
            missing.append(_("a photograph"))
        readiness.people[person.position] = missing
    return readiness


def consents_for_applicant(actor: User) -> QuerySet[PartnerConsent]:
    """The organizations acting for the applicant's own registrations (live consents)."""
    if not actor.is_authenticated or actor.role != Role.APPLICANT:
        return PartnerConsent.objects.none()
    return (
        PartnerConsent.objects.filter(registration__owner=actor, withdrawn_at=None)
        .select_related("partner", "registration", "recorded_by")
        .order_by("-recorded_at", "-id")
    )


def access_consent(actor: User, consent_id: int) -> PartnerConsent:
    """A live consent the actor may withdraw: the applicant's own, or, for partner staff, one
    given to their organization. NotFound otherwise."""
    if actor.is_authenticated and actor.role == Role.APPLICANT:
        qs = consents_for_applicant(actor)
    elif actor.is_authenticated and actor.role == Role.PARTNER_STAFF and actor.partner_id:
        qs = PartnerConsent.objects.filter(
            partner_id=actor.partner_id, withdrawn_at=None
        ).select_related("partner", "registration")
    else:
        qs = PartnerConsent.objects.none()
    consent = qs.filter(pk=consent_id).first()
    if consent is None:
        raise NotFound(_("No such consent."))
    return consent


def consent_of_registration(actor: User, registration: Registration) -> PartnerConsent | None:
    """The live consent under which the actor's organization acts for this registration."""
    if actor.role != Role.PARTNER_STAFF or not actor.partner_id:
        return None
    return PartnerConsent.objects.filter(
        registration=registration, partner_id=actor.partner_id, withdrawn_at=None
    ).first()
