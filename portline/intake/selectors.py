"""Reads of partner intake: batches scoped to the actor, likely duplicates of a file's rows."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from portline.accounts.models import PARTNER_ROLES, Role, User
from portline.common.errors import NotFound
from portline.intake.models import BulkImport, SubmissionBatch
from portline.intake.validation import Problem, Report, duplicate_key
from portline.registrations.models import Person

_CHUNK = 500  # dates per query (SQLite allows 999 parameters)


def batches_visible_to(actor: User) -> QuerySet[SubmissionBatch]:
    """An organization's staff and administrator see its batches; the program administrator
    every organization's. Counts only: the people are on the registration pages."""
    qs = SubmissionBatch.objects.select_related("partner").annotate(
        import_count=Count("imports", distinct=True),
        registration_count=Sum("imports__registrations"),
        row_count=Sum("imports__rows_imported"),
    )
    if not actor.is_authenticated or not actor.is_active:
        return qs.none()
    if actor.role == Role.PROGRAM_ADMIN:
        return qs.order_by("-cutoff_at", "partner__name")
    if actor.role in PARTNER_ROLES and actor.partner_id:
        return qs.filter(partner_id=actor.partner_id).order_by("-cutoff_at")
    return qs.none()


def access_batch(actor: User, batch_id: int) -> SubmissionBatch:
    batch = batches_visible_to(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No such batch."))
    return batch


def batch_imports(batch: SubmissionBatch) -> QuerySet[BulkImport]:
    """The files of a batch (reached through `access_batch`), with who sent each."""
    return batch.imports.select_related("staff").order_by("created_at", "id")


def duplicates_find(report: Report) -> list[Problem]:
    """Rows that look like a person already in Portline (same name and date of birth, exact
    after normalisation) or like another row of the same file. Says only that such a person
    exists, never in which registration or organization."""
    rows = [r for g in report.groups for r in g.rows if not r.problems]
    keys: dict[tuple, list[int]] = {}
    for row in rows:
        keys.setdefault(duplicate_key(row.person), []).append(row.number)
    found: list[Problem] = []
    dates = sorted({k[2] for k in keys if k[2] is not None})
    existing: set[tuple] = set()
    for start in range(0, len(dates), _CHUNK):
        chunk = dates[start : start + _CHUNK]
        for given, family, born in Person.objects.filter(date_of_birth__in=chunk).values_list(
            "given_names", "family_names", "date_of_birth"
        ):
            existing.add((given.casefold(), family.casefold(), born))
    for key, numbers in keys.items():
        if key in existing:
            for number in numbers:
                found.append(
                    Problem(
                        number,
                        "",
                        _(
                            "A person with the same name and date of birth is already in "
                            "Portline. Check that this is not the same person."
                        ),
                    )
                )
        if len(numbers) > 1:
            for number in numbers[1:]:
                found.append(
                    Problem(
                        number,
                        "",
                        _("Same name and date of birth as row %(row)s of this file.")
                        % {"row": numbers[0]},
                    )
                )
    return sorted(found, key=lambda p: p.row)
