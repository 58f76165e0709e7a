"""Bulk entry by partner staff: check a file (nothing stored), then commit every valid row
in one transaction (all of them or none), into the batch of the next submission cut-off."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.accounts.services import account_in_good_standing
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import Conflict, PermissionDenied, ValidationFailed
from portline.intake.columns import mapping_guess
from portline.intake.cutoffs import cutoff_next, cutoff_times
from portline.intake.files import table_read
from portline.intake.models import BulkEntry, BulkImport, SubmissionBatch
from portline.intake.selectors import duplicates_find
from portline.intake.validation import CheckedRow, Problem, Report, report_build
from portline.registrations.services import BulkGroup, registrations_bulk_create

# A finder of likely duplicates beyond the exact check: given the file's rows that passed
# every check (and are not already reported), the problems to report. Supplied by an upper
# app (`integrity.services.bulk_check_linked` passes the person linkage); intake imports none.
Matcher = Callable[[list[CheckedRow]], list[Problem]]


def _require_staff(actor: User) -> int:
    """The actor's organization, if they are its staff in good standing."""
    if (
        not getattr(actor, "is_authenticated", False)
        or actor.role != Role.PARTNER_STAFF
        or not actor.partner_id
        or not account_in_good_standing(actor)
    ):
        raise PermissionDenied(_("Only partner staff enter people in bulk."))
    return actor.partner_id


def bulk_check(
    *,
    actor: User,
    content: bytes,
    mapping: Sequence[str] | None = None,
    duplicates: bool = True,
    matcher: Matcher | None = None,
) -> Report:
    """Read and check a file; report every row's problems and (with `duplicates`) the likely
    duplicates of people already in Portline: the same name and date of birth, and, with a
    `matcher` (an upper app's person linkage), the rows it finds. Stores nothing."""
    _require_staff(actor)
    table = table_read(content)
    chosen = list(mapping) if mapping and any(mapping) else mapping_guess(table.headers)
    report = report_build(table, chosen)
    report.sha256 = hashlib.sha256(content).hexdigest()
    if duplicates:
        report.duplicates = duplicates_find(report)
        if matcher is not None:
            flagged = {p.row for p in report.duplicates}
            rows = [r for g in report.groups for r in g.rows if not r.problems]
            more = matcher([r for r in rows if r.number not in flagged])
            report.duplicates = sorted([*report.duplicates, *more], key=lambda p: p.row)
    return report


def batch_for(*, partner_id: int, at) -> SubmissionBatch:
    """The organization's batch of the next cut-off after `at` (created when first needed)."""
    cutoff = cutoff_next(
        at,
        cutoff_times(settings.PORTLINE_PARTNER_CUTOFFS),
        settings.PORTLINE_PARTNER_CUTOFF_TIME_ZONE,
    )
    batch, _created = SubmissionBatch.objects.get_or_create(partner_id=partner_id, cutoff_at=cutoff)
    return batch


def bulk_commit(
    *,
    actor: User,
    content: bytes,
    mapping: Sequence[str] | None,
    checked_sha256: str,
    skip_duplicates: bool = False,
    matcher: Matcher | None = None,
) -> BulkImport:
    """Store every valid row of the file that was checked (the same bytes: `checked_sha256`),
    each group as one draft registration with its consent, in one transaction. Rows with
    problems are left out and were listed by the check; if anything fails, nothing is stored.
    With `skip_duplicates`, rows that look like people already in Portline are left out too."""
    partner_id = _require_staff(actor)
    if hashlib.sha256(content).hexdigest() != checked_sha256:
        raise Conflict(
            _("This is not the file that was checked. Check it first, then commit it."),
            code="file_changed",
        )
    # Checked again: the page holds no state between the check and the commit.
    report = bulk_check(
        actor=actor,
        content=content,
        mapping=mapping,
        duplicates=skip_duplicates,
        matcher=matcher,
    )
    if report.sha256 != checked_sha256:
        raise Conflict(
            _("This is not the file that was checked. Check it first, then commit it."),
            code="file_changed",
        )
    if report.file_problems:
        raise ValidationFailed(report.file_problems[0], errors={"file": report.file_problems})
    duplicate_rows = {p.row for p in report.duplicates} if skip_duplicates else set()
    groups = [g for g in report.valid_groups if not any(r.number in duplicate_rows for r in g.rows)]
    if not groups:
        raise ValidationFailed(
            _("No row can be imported: correct the rows listed and check the file again."),
            errors={"file": [_("No row can be imported.")]},
        )
    now = clock.now()
    with transaction.atomic():
        batch = batch_for(partner_id=partner_id, at=now)
        registrations = registrations_bulk_create(
            actor=actor,
            groups=[
                BulkGroup(people=[r.person for r in g.rows], consent=g.consent)  # type: ignore[arg-type]  # valid groups carry a consent
                for g in groups
            ],
        )
        imported_rows = sum(len(g.rows) for g in groups)
        record = BulkImport.objects.create(
            batch=batch,
            partner_id=partner_id,
            staff=actor,
            file_sha256=report.sha256,
            file_kind=report.kind,
            rows_read=report.rows_read,
            rows_imported=imported_rows,
            rows_refused=report.rows_read - imported_rows,
            registrations=len(registrations),
            created_at=now,
        )
        BulkEntry.objects.bulk_create(
            [
                BulkEntry(bulk_import=record, registration=registration, first_row=g.first_row)
                for registration, g in zip(registrations, groups, strict=True)
            ],
            batch_size=5000,
        )
        audit_record(
            actor=actor,
            action="intake.bulk_import.commit",
            target=record,
            data={
                "batch": batch.pk,
                "rows_imported": imported_rows,
                "rows_refused": record.rows_refused,
                "registrations": len(registrations),
                "sha256": report.sha256,
            },
        )
    return record
