"""Reads of screening data, scoped to the actor."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.common.errors import NotFound
from portline.registrations.models import Person
from portline.registrations.selectors import registrations_visible_to
from portline.screening.models import HitStatus, ScreeningHit, ScreeningRun

SCREENING_ROLES = (Role.OFFICER, Role.SUPERVISOR)


def runs_visible_to(actor: User) -> QuerySet[ScreeningRun]:
    """Officers and supervisors see the runs of people visible to them (their port), and the
    runs without a person (names screened on demand)."""
    qs = ScreeningRun.objects.all()
    if not actor.is_authenticated or not actor.is_active or actor.role not in SCREENING_ROLES:
        return qs.none()
    people = Person.objects.filter(registration__in=registrations_visible_to(actor))
    return qs.filter(person__in=people) | qs.filter(person__isnull=True)


def hits_visible_to(actor: User) -> QuerySet[ScreeningHit]:
    return ScreeningHit.objects.filter(run__in=runs_visible_to(actor)).select_related(
        "run", "entry", "entry__watchlist"
    )


def access_hit(actor: User, hit_id: int) -> ScreeningHit:
    hit = hits_visible_to(actor).filter(pk=hit_id).first()
    if hit is None:
        raise NotFound(_("No such screening hit."))
    return hit


def hits_open_for_person(actor: User, person: Person) -> QuerySet[ScreeningHit]:
    return (
        hits_visible_to(actor)
        .filter(run__person=person, status=HitStatus.OPEN)
        .order_by("-run__created_at", "rank")
    )


def run_latest_for_person(actor: User, person: Person) -> ScreeningRun | None:
    return runs_visible_to(actor).filter(person=person).order_by("-created_at", "-id").first()
