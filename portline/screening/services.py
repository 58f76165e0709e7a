"""Writes of the screening domain: list imports, screening runs, adjudication.

Every function takes the actor, checks the role, writes in one transaction and records the
change in the audit log. The screen raises flags for an officer; it never refuses anyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portline.common.names import has_letter, name_normalise
from portline.registrations.models import Person
from portline.registrations.selectors import registrations_visible_to
from portline.screening import index_cache
from portline.screening.importer import ParsedList
from portline.screening.match import ENGINE_VERSION, Hit, PartialDate, Query
from portline.screening.models import (
    HitStatus,
    ScreeningHit,
    ScreeningRun,
    ScreeningTrigger,
    Watchlist,
    WatchlistEntry,
)

SCREENING_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
LIST_ROLES = frozenset({Role.PROGRAM_ADMIN, Role.SUPERVISOR})
MAX_HITS = 20
MIN_REASON_LENGTH = 5


@dataclass(frozen=True)
class ImportResult:
    watchlist: Watchlist | None
    entries: int
    replaced: int  # entries of the previous version removed or retired
    unchanged: bool
    dry_run: bool


def _is_system(actor) -> bool:
    return actor is None or not getattr(actor, "is_authenticated", False)


def watchlist_import(
    *, actor: User | None, name: str, parsed: ParsedList, source: str = "", dry_run: bool = False
) -> ImportResult:
    """Create or replace the list `name` with the parsed rows, atomically.

    Nothing is written unless the whole file is valid. `actor` None is the command line
    (recorded as the system). Re-importing identical content changes nothing.
    """
    if actor is not None and not _is_system(actor) and actor.role not in LIST_ROLES:
        raise PermissionDenied(
            _("Only a program administrator or a supervisor may import watchlists.")
        )
    if not parsed.valid:
        raise ValidationFailed(
            _("The file has %(count)s problem(s); nothing was imported.")
            % {"count": len(parsed.errors)},
            errors={"file": [str(e) for e in parsed.errors]},
        )
    digest = parsed.digest()
    existing = Watchlist.objects.filter(name=name).first()
    if existing is not None and existing.digest == digest:
        return ImportResult(existing, existing.entry_count, 0, unchanged=True, dry_run=dry_run)
    if dry_run:
        return ImportResult(
            existing,
            len(parsed.rows),
            existing.entry_count if existing else 0,
            unchanged=False,
            dry_run=True,
        )
    with transaction.atomic():
        watchlist, created = Watchlist.objects.select_for_update().get_or_create(
            name=name, defaults={"source": source}
        )
        old_version = watchlist.version
        new_version = old_version + 1
        WatchlistEntry.objects.bulk_create(
            (
                WatchlistEntry(
                    watchlist=watchlist,
                    list_version=new_version,
                    primary_name=row["name"],
                    aliases=row["aliases"],
                    dates_of_birth=row["dates_of_birth"],
                    nationalities=row["nationalities"],
                    reason=row["reason"],
                    external_id=row["external_id"],
                )
                for row in parsed.rows
            ),
            batch_size=2000,
        )
        old = WatchlistEntry.objects.filter(watchlist=watchlist, list_version__lt=new_version)
        replaced = old.filter(list_version=old_version).count() if old_version else 0
        # Entries that a hit refers to stay (retired) as evidence; the rest go.
        old.filter(hits__isnull=True).delete()
        watchlist.version = new_version
        watchlist.digest = digest
        watchlist.entry_count = len(parsed.rows)
        watchlist.imported_at = clock.now()
        watchlist.imported_by = None if _is_system(actor) else actor
        if source:
            watchlist.source = source
        watchlist.save()
        audit_record(
            actor=actor,
            action="screening.watchlist.import",
            target=watchlist,
            data={
                "version": new_version,
                "entries": len(parsed.rows),
                "replaced": replaced,
                "digest": digest,
                "created": created,
            },
        )
    return ImportResult(watchlist, len(parsed.rows), replaced, unchanged=False, dry_run=False)


def _check_screener(actor) -> None:
    if not _is_system(actor) and (not actor.is_active or actor.role not in SCREENING_ROLES):
        raise PermissionDenied(_("Only port officers and supervisors may screen people."))


def _check_person_visible(actor, person: Person) -> None:
    if _is_system(actor):
        return
    if not registrations_visible_to(actor).filter(pk=person.registration_id).exists():
        raise NotFound(_("No such person in this registration."))


def _store_run(
    *,
    actor,
    person: Person | None,
    trigger: str,
    query: Query,
    hits: list[Hit],
    lists: dict,
    threshold: float,
) -> ScreeningRun:
    run = ScreeningRun.objects.create(
        person=person,
        actor=None if _is_system(actor) else actor,
        trigger=trigger,
        query_name=query.name[:300],
        query_date_of_birth=str(query.date_of_birth or ""),
        query_nationality=query.nationality,
        lists=lists,
        engine_version=ENGINE_VERSION,
        threshold=threshold,
        hit_count=len(hits),
    )
    ScreeningHit.objects.bulk_create(
        ScreeningHit(
            run=run, entry_id=hit.key, rank=rank, score=hit.score, explanation=hit.explanation
        )
        for rank, hit in enumerate(hits, start=1)
    )
    audit_record(
        actor=actor,
        action="screening.run.create",
        target=run,
        data={
            "person": person.pk if person else None,
            "trigger": trigger,
            "hits": len(hits),
            "lists": sorted(lists),
        },
    )
    return run


def screening_run_for_query(
    *,
    actor: User | None,
    name: str,
    date_of_birth: dt.date | PartialDate | None = None,
    nationality: str = "",
    trigger: str = ScreeningTrigger.COMMAND_LINE,
    person: Person | None = None,
) -> ScreeningRun:
    """Screen a name (with an optional date of birth and nationality) against every active list."""
    _check_screener(actor)
    name = name_normalise(name)
    if not has_letter(name):
        raise ValidationFailed(
            _("Enter a name to screen."), errors={"name": [_("Enter a name to screen.")]}
        )
    query = Query(
        name,
        PartialDate.parse(date_of_birth) if date_of_birth else None,
        (nationality or "").upper(),
    )
    index, lists = index_cache.active_index()
    hits = index.search(query, limit=MAX_HITS)
    with transaction.atomic():
        return _store_run(
            actor=actor,
            person=person,
            trigger=trigger,
            query=query,
            hits=hits,
            lists=lists,
            threshold=index.policy.threshold,
        )


def screening_run_for_person(
    *, actor: User | None, person: Person, trigger: str = ScreeningTrigger.ON_DEMAND
) -> ScreeningRun:
    """Screen one person (given and family names, date of birth, nationality) against every
    active list and store the hits as open flags. `actor` None: an automatic screen (check-in)."""
    _check_screener(actor)
    _check_person_visible(actor, person)
    return screening_run_for_query(
        actor=actor,
        name=f"{person.given_names} {person.family_names}",
        date_of_birth=person.date_of_birth,
        nationality=person.nationality,
        trigger=trigger,
        person=person,
    )


def hit_adjudicate(*, actor: User, hit: ScreeningHit, decision: str, reason: str) -> ScreeningHit:
    """Record an officer's finding on a hit: true match or false match, with a reason.

    An adjudicated hit may be changed only by a supervisor (an override, audited as such).
    """
    if _is_system(actor) or not actor.is_active or actor.role not in SCREENING_ROLES:
        raise PermissionDenied(
            _("Only port officers and supervisors may adjudicate screening hits.")
        )
    if decision not in (HitStatus.TRUE_MATCH, HitStatus.FALSE_MATCH):
        raise ValidationFailed(
            _("Choose true match or false match."),
            errors={"decision": [_("Choose true match or false match.")]},
        )
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        message = _("Give the reason for this finding (at least %(count)s characters).") % {
            "count": MIN_REASON_LENGTH
        }
        raise ValidationFailed(message, errors={"reason": [message]})
    with transaction.atomic():
        locked = ScreeningHit.objects.select_for_update().select_related("run").get(pk=hit.pk)
        if locked.run.person is not None:
            _check_person_visible(actor, locked.run.person)
        previous = locked.status
        if previous != HitStatus.OPEN and actor.role != Role.SUPERVISOR:
            raise Conflict(
                _("This hit was already adjudicated; a supervisor may change the finding.")
            )
        locked.status = decision
        locked.reason = reason
        locked.adjudicated_by = actor
        locked.adjudicated_at = clock.now()
        locked.save(update_fields=["status", "reason", "adjudicated_by", "adjudicated_at"])
        audit_record(
            actor=actor,
            action="screening.hit.adjudicate"
            if previous == HitStatus.OPEN
            else "screening.hit.override",
            target=locked,
            data={"decision": decision, "previous": previous, "run": locked.run_id},
        )
    return locked
