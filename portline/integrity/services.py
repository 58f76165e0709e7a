"""Writes of integrity: facts, flags from the rules, and the supervisor's workflow.

`integrity_scan` runs every rule over every submitted registration; `registration_check`
checks one new registration against everything before it (queued on the task worker at
submission by `registration_submit_and_check`). Both store findings through `_findings_store`:
a finding whose key already has a flag adds nothing but new subjects, so a second run over the
same data creates nothing. Flags are raised by the system and decided by a supervisor with a
reason; every step is audited in its own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import Conflict, PermissionDenied, ValidationFailed
from portline.geofence.models import LocationSignal, SignalKind
from portline.geofence.services import request_submit
from portline.intake.models import BulkImport
from portline.intake.services import bulk_check, bulk_commit
from portline.intake.validation import CheckedRow, Problem, Report
from portline.integrity import normalise, rules
from portline.integrity.models import (
    DECIDED_STATES,
    FactKey,
    FactKind,
    Flag,
    FlagState,
    FlagSubject,
    PhotoHash,
    ScanRun,
)
from portline.integrity.selectors import thresholds_get
from portline.linkage.selectors import likely_same_people
from portline.linkage.services import linkage_run
from portline.registrations.models import (
    AppointmentRequest,
    EvidenceDocument,
    EvidenceKind,
    Person,
    Registration,
    RegistrationStatus,
)
from portline.registrations.services import registration_submit

Progress = Callable[[str, int, int], None]
CHUNK = 2000
# Evidence whose provider attests something about the case.
ATTESTED_KINDS = (EvidenceKind.MEDICAL, EvidenceKind.PSYCHOLOGICAL, EvidenceKind.POLICE_REPORT)
# Fact kinds checked by the shared-value rules, and the rule each feeds.
RULE_OF_FACT = {
    FactKind.ADDRESS: rules.ADDRESS_HUB,
    FactKind.SPONSOR: rules.SPONSOR_HUB,
    FactKind.PROVIDER: rules.PROVIDER_HUB,
    FactKind.DOCUMENT: rules.DOCUMENT_REUSE,
    FactKind.PHONE: rules.PHONE_REUSE,
    FactKind.EMAIL: rules.EMAIL_REUSE,
    FactKind.PHOTO: rules.PHOTO_REUSE,
}
# Entries of one staff account looked at around a new registration (a burst is hours long).
STAFF_LOOKBACK = dt.timedelta(days=7)


def _no_progress(step: str, done: int, total: int) -> None:
    return None


# --- Facts --------------------------------------------------------------------------------


def photo_hash(content: bytes) -> str:
    """pHash of an image: equal across re-encoding and resizing (docs/integrity.md)."""
    import io

    import imagehash
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        image.draft("L", (256, 256))  # a JPEG decodes at a fraction of its size
        return str(imagehash.phash(image))


def photo_hashes_compute(
    *, registration_ids: Sequence[int] | None = None, progress: Progress = _no_progress
) -> int:
    """Hash every submitted photo that has no hash yet. Returns how many were hashed."""
    qs = EvidenceDocument.objects.filter(
        kind=EvidenceKind.PHOTO, registration__status=RegistrationStatus.SUBMITTED
    ).exclude(pk__in=PhotoHash.objects.values("evidence_id"))
    if registration_ids is not None:
        qs = qs.filter(registration_id__in=registration_ids)
    pending = list(qs.order_by("pk").values_list("pk", flat=True))
    hashed = 0
    for start in range(0, len(pending), 200):
        batch = []
        for document in EvidenceDocument.objects.filter(pk__in=pending[start : start + 200]):
            try:
                with document.file.open("rb") as handle:
                    value = photo_hash(handle.read())
            except (OSError, ValueError):
                continue  # a missing or unreadable file is not a finding
            batch.append(
                PhotoHash(evidence=document, registration_id=document.registration_id, phash=value)
            )
        PhotoHash.objects.bulk_create(batch, ignore_conflicts=True)
        hashed += len(batch)
        progress("photos", min(start + 200, len(pending)), len(pending))
    return hashed


FactRow = tuple[int, str, str, str, int, str]  # registration, kind, value, family, people, surnames


def _facts_insert(rows: Sequence[FactRow]) -> None:
    """Insert facts, skipping those already stored (the unique constraint). One statement per
    batch: the scan writes millions of them, and model instances cost ten times more."""
    table = FactKey._meta.db_table
    sql = (
        f"INSERT INTO {table} (registration_id, kind, value, family, people, surnames) "  # noqa: S608 - fixed names
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _facts_for(registration_ids: Sequence[int]) -> list[FactRow]:
    """The normalised values of these registrations (the full address key only when asked)."""
    people: dict[int, list[dict]] = defaultdict(list)
    for row in Person.objects.filter(registration_id__in=registration_ids).values(
        "registration_id",
        "position",
        "family_names",
        "phone",
        "email",
        "id_document_country",
        "id_document_number",
    ):
        people[row["registration_id"]].append(row)
    providers: dict[int, set[str]] = defaultdict(set)
    for registration_id, provider in EvidenceDocument.objects.filter(
        registration_id__in=registration_ids, kind__in=ATTESTED_KINDS
    ).values_list("registration_id", "provider"):
        key = normalise.name_key(provider)
        if key:
            providers[registration_id].add(key)
    photos: dict[int, set[str]] = defaultdict(set)
    for registration_id, phash in PhotoHash.objects.filter(
        registration_id__in=registration_ids
    ).values_list("registration_id", "phash"):
        photos[registration_id].add(phash)
    facts = []
    document_key = normalise.fingerprint_key(settings.LINKAGE_KEY, settings.SECRET_KEY)
    for reg in Registration.objects.filter(pk__in=registration_ids).values(
        "pk", "us_address_line1", "us_zip", "sponsor_name", "sponsor_phone"
    ):
        members = sorted(people.get(reg["pk"], []), key=lambda p: p["position"])
        family = normalise.family_key(members[0]["family_names"]) if members else ""
        surnames = " ".join(
            sorted({w for p in members for w in normalise.surname_tokens(p["family_names"])})
        )[:255]
        values: set[tuple[str, str]] = set()
        if normalise.address_block(reg["us_address_line1"], reg["us_zip"]).strip("|"):
            values.add(
                (
                    FactKind.ADDRESS_BLOCK,
                    normalise.address_block(reg["us_address_line1"], reg["us_zip"]),
                )
            )
        values.add(
            (FactKind.SPONSOR, normalise.sponsor_key(reg["sponsor_name"], reg["sponsor_phone"]))
        )
        for p in members:
            values.add((FactKind.PHONE, normalise.phone_key(p["phone"])))
            values.add((FactKind.EMAIL, normalise.email_key(p["email"])))
            values.add(
                (
                    FactKind.DOCUMENT,
                    normalise.document_fingerprint(
                        document_key, p["id_document_country"], p["id_document_number"]
                    ),
                )
            )
        values |= {(FactKind.PROVIDER, v) for v in providers.get(reg["pk"], ())}
        values |= {(FactKind.PHOTO, v) for v in photos.get(reg["pk"], ())}
        size = min(len(members), 10) or 1
        facts += [
            (reg["pk"], str(kind), value[:255], family[:100], size, surnames)
            for kind, value in sorted(values)
            if value
        ]
    return facts


def _address_facts_for_blocks(blocks: Iterable[str]) -> int:
    """Full address keys for the registrations of these blocks that have none yet."""
    created = 0
    blocks = list(blocks)
    for start in range(0, len(blocks), 500):
        members = list(
            FactKey.objects.filter(
                kind=FactKind.ADDRESS_BLOCK, value__in=blocks[start : start + 500]
            ).values_list("registration_id", "family", "people", "surnames")
        )
        have = set(
            FactKey.objects.filter(
                kind=FactKind.ADDRESS, registration_id__in=[m[0] for m in members]
            ).values_list("registration_id", flat=True)
        )
        todo = {m[0]: m for m in members if m[0] not in have}
        addresses = Registration.objects.filter(pk__in=list(todo)).values_list(
            "pk", "us_address_line1", "us_address_line2", "us_city", "us_state", "us_zip"
        )
        rows = []
        for pk, line1, line2, city, state, zip_code in addresses:
            key = normalise.address_key(line1, line2, city, state, zip_code)
            if key:
                _reg, family, people, surnames = todo[pk]
                rows.append((pk, str(FactKind.ADDRESS), key[:255], family, people, surnames))
        _facts_insert(rows)
        created += len(rows)
    return created


def _keyed_rows(kind: str, values: Iterable[str] | None = None) -> list[rules.KeyedRow]:
    qs = FactKey.objects.filter(kind=kind)
    if values is not None:
        qs = qs.filter(value__in=list(values))
    return list(qs.values_list("value", "registration_id", "family", "people", "surnames"))


# --- Storing findings ----------------------------------------------------------------------


def _finding_evidence(finding: rules.Finding) -> dict:
    references = list(
        Registration.objects.filter(pk__in=finding.registration_ids[:1000])
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    people = Person.objects.filter(registration_id__in=finding.registration_ids[:1000]).count()
    return {"registrations": references, "people": people}


def _findings_store(findings: Iterable[rules.Finding]) -> int:
    """Raise a flag per new finding (audited); add new subjects to a known one. Returns the
    number of flags raised."""
    raised = 0
    for finding in findings:
        with transaction.atomic():
            flag = Flag.objects.select_for_update().filter(key=finding.key).first()
            if flag is None:
                flag = Flag.objects.create(
                    key=finding.key,
                    kind=finding.kind,
                    severity=finding.severity,
                    params=finding.params,
                    evidence=_finding_evidence(finding),
                    engine_version=rules.ENGINE_VERSION,
                )
                audit_record(
                    actor=None,
                    action="integrity.flag.raise",
                    target=flag,
                    data={"kind": flag.kind, "severity": flag.severity},
                )
                raised += 1
            known = set(flag.subjects.values_list("registration_id", flat=True))
            new = [r for r in finding.registration_ids if r not in known]
            if new:
                FlagSubject.objects.bulk_create(
                    [FlagSubject(flag=flag, registration_id=r) for r in new],
                    ignore_conflicts=True,
                )
            if known and new and flag.state not in DECIDED_STATES:
                flag.params = finding.params
                flag.evidence = _finding_evidence(finding)
                flag.severity = finding.severity
                flag.updated_at = clock.now()
                flag.save(update_fields=["params", "evidence", "severity", "updated_at"])
                audit_record(
                    actor=None,
                    action="integrity.flag.extend",
                    target=flag,
                    data={"added": len(new)},
                )
    return raised


# --- Batch scan ----------------------------------------------------------------------------

SCAN_STEPS = ("photos", "facts", "addresses", "shared_values", "staff", "geofence")


def integrity_scan(
    *, resume: bool = True, progress: Progress = _no_progress, link: bool = True
) -> ScanRun:
    """Run every rule over every submitted registration, then link records of the same person
    (portline.linkage; `link=False` skips it). An unfinished earlier run is resumed (its
    finished steps are skipped) unless `resume` is false. Idempotent: facts and flags have
    unique keys, so a second run over the same data adds nothing; linkage respects every
    supervisor's adjudication."""
    thresholds = thresholds_get()
    run = ScanRun.objects.filter(finished_at__isnull=True).first() if resume else None
    if run is None:
        with transaction.atomic():
            run = ScanRun.objects.create(engine_version=rules.ENGINE_VERSION)
            audit_record(actor=None, action="integrity.scan.start", target=run)

    def finish_step(step: str, raised: int = 0) -> None:
        run.steps_done = [*run.steps_done, step]
        run.flags_created += raised
        run.save(update_fields=["steps_done", "flags_created"])

    if "photos" not in run.steps_done:
        photo_hashes_compute(progress=progress)
        finish_step("photos")
    if "facts" not in run.steps_done:
        # A submitted registration never changes, so its facts are computed once: a rescan or
        # a resumed scan only visits registrations without any.
        ids = list(
            Registration.objects.filter(status=RegistrationStatus.SUBMITTED)
            .exclude(pk__in=FactKey.objects.values("registration_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), CHUNK):
            _facts_insert(_facts_for(ids[start : start + CHUNK]))
            progress("facts", min(start + CHUNK, len(ids)), len(ids))
        finish_step("facts")
    if "addresses" not in run.steps_done:
        # Only a block with enough registrations can hold a hub: normalise just those.
        blocks = list(
            FactKey.objects.filter(kind=FactKind.ADDRESS_BLOCK)
            .values("value")
            .annotate(n=Count("registration_id"))
            .filter(n__gte=thresholds.address_hub)
            .values_list("value", flat=True)
        )
        for start in range(0, len(blocks), 500):
            _address_facts_for_blocks(blocks[start : start + 500])
            progress("addresses", min(start + 500, len(blocks)), len(blocks))
        finish_step("addresses")
    if "shared_values" not in run.steps_done:
        raised = 0
        for index, (fact_kind, rule) in enumerate(RULE_OF_FACT.items(), start=1):
            threshold = thresholds.for_kind(rule)
            # A plain count per value in SQL first; only values over the threshold are loaded.
            values = (
                FactKey.objects.filter(kind=fact_kind)
                .values("value")
                .annotate(n=Count("registration_id"))
                .filter(n__gte=threshold)
                .values_list("value", flat=True)
            )
            rows = _keyed_rows(fact_kind, values)
            raised += _findings_store(rules.shared_value_findings(rule, rows, threshold=threshold))
            progress("shared_values", index, len(RULE_OF_FACT))
        finish_step("shared_values", raised)
    if "staff" not in run.steps_done:
        entries = _staff_entries(Registration.objects.all())
        findings = rules.staff_burst_findings(
            entries,
            max_people=thresholds.staff_burst_people,
            window_s=thresholds.staff_burst_window_s,
        )
        finish_step("staff", _findings_store(findings))
        progress("staff", 1, 1)
    if "geofence" not in run.steps_done:
        signals = LocationSignal.objects.filter(
            kind__in=list(rules.GEOFENCE_KINDS), registration__status=RegistrationStatus.SUBMITTED
        ).values_list("pk", "registration_id", "kind")
        finish_step("geofence", _findings_store(rules.geofence_findings(signals)))
        progress("geofence", 1, 1)
    if link and "linkage" not in run.steps_done:
        progress("linkage", 0, 1)
        linkage_run(actor=None)
        finish_step("linkage")
        progress("linkage", 1, 1)
    with transaction.atomic():
        run.finished_at = clock.now()
        run.save(update_fields=["finished_at"])
        audit_record(
            actor=None,
            action="integrity.scan.finish",
            target=run,
            data={"flags_raised": run.flags_created},
        )
    return run


def _staff_entries(registrations) -> list[rules.EntryRow]:
    """(staff account, entered at, registration, people) for what partner staff entered."""
    rows = (
        registrations.filter(
            status=RegistrationStatus.SUBMITTED, created_by__role=Role.PARTNER_STAFF
        )
        .annotate(n=Count("people"))
        .values_list("created_by_id", "created_at", "pk", "n")
    )
    return [(staff, at.timestamp(), pk, n) for staff, at, pk, n in rows]


# --- One new registration ------------------------------------------------------------------


def registration_check(*, registration_id: int) -> int:
    """Check one submitted registration against every registration before it. Returns the
    number of flags raised. Runs on the task worker (queued at submission)."""
    registration = (
        Registration.objects.select_related("created_by")
        .filter(pk=registration_id, status=RegistrationStatus.SUBMITTED)
        .first()
    )
    if registration is None:
        return 0
    thresholds = thresholds_get()
    photo_hashes_compute(registration_ids=[registration_id])
    facts = _facts_for([registration_id])
    _facts_insert(facts)
    own = {(kind, value) for _r, kind, value, *_rest in facts}
    for kind, block in list(own):
        if kind != FactKind.ADDRESS_BLOCK:
            continue
        # Other registrations in the same block get their full address key now, if missing.
        if (
            FactKey.objects.filter(kind=kind, value=block)
            .exclude(registration_id=registration_id)
            .exists()
        ):
            _address_facts_for_blocks([block])
            own |= set(
                FactKey.objects.filter(
                    registration_id=registration_id, kind=FactKind.ADDRESS
                ).values_list("kind", "value")
            )
    wanted = [(kind, value) for kind, value in own if kind in RULE_OF_FACT]
    findings: list[rules.Finding] = []
    if wanted:
        condition = Q()
        for kind, value in wanted:
            condition |= Q(kind=kind, value=value)
        rows: dict[str, list[rules.KeyedRow]] = defaultdict(list)
        for kind, *row in FactKey.objects.filter(condition).values_list(
            "kind", "value", "registration_id", "family", "people", "surnames"
        ):
            rows[kind].append(tuple(row))
        for kind, kind_rows in rows.items():
            rule = RULE_OF_FACT[kind]
            findings += rules.shared_value_findings(
                rule, kind_rows, threshold=thresholds.for_kind(rule)
            )
    creator = registration.created_by
    if creator.role == Role.PARTNER_STAFF:
        window = dt.timedelta(seconds=thresholds.staff_burst_window_s)
        around = Registration.objects.filter(
            created_by=creator,
            created_at__gte=registration.created_at - STAFF_LOOKBACK,
            created_at__lte=registration.created_at + window,
        )
        findings += [
            f
            for f in rules.staff_burst_findings(
                _staff_entries(around),
                max_people=thresholds.staff_burst_people,
                window_s=thresholds.staff_burst_window_s,
            )
            if registration_id in f.registration_ids
        ]
    signals = LocationSignal.objects.filter(
        registration_id=registration_id, kind__in=list(rules.GEOFENCE_KINDS)
    ).values_list("pk", "registration_id", "kind")
    findings += rules.geofence_findings(signals)
    return _findings_store(findings)


def registration_submit_and_check(*, actor: User, registration: Registration) -> Registration:
    """Submit (portline.registrations) and, once that has committed, queue the integrity check
    on the task worker: the applicant's save never waits for it."""
    from portline.integrity.tasks import integrity_check_registration

    with transaction.atomic():
        submitted = registration_submit(actor=actor, registration=registration)
        transaction.on_commit(
            lambda: integrity_check_registration.enqueue(registration_id=submitted.pk)
        )
    return submitted


def request_submit_and_flag(
    *, actor: User, registration: Registration, **request: Any
) -> tuple[AppointmentRequest, bool]:
    """Take an appointment request (`portline.geofence.services.request_submit`, same
    arguments and answer) and, when it was taken with a declared place instead of a checked
    location, raise its review flag at once, in the same transaction: supervisors see it in
    the location signals before the day's draw."""
    if not request.get("declared_state"):
        # Nothing to flag: request_submit's own transaction is the whole write (inside one
        # of ours it would be a savepoint, two more round trips on every request).
        return request_submit(actor=actor, registration=registration, **request)
    with transaction.atomic():
        appointment_request, created = request_submit(
            actor=actor, registration=registration, **request
        )
        if created and appointment_request.location_declared:
            signals = LocationSignal.objects.filter(
                registration=registration, kind=SignalKind.DECLARED_LOCATION
            ).values_list("pk", "registration_id", "kind")
            _findings_store(rules.geofence_findings(signals))
    return appointment_request, created


# --- Supervisor workflow -------------------------------------------------------------------


def _require_supervisor(actor: User) -> None:
    if actor.role != Role.SUPERVISOR or not actor.port_id:
        raise PermissionDenied(_("Only a supervisor can review integrity flags."))


def flag_assign(*, actor: User, flag: Flag, assignee: User | None = None) -> Flag:
    """Put a flag under review, assigned to a supervisor (the actor by default)."""
    _require_supervisor(actor)
    assignee = assignee or actor
    if assignee.role != Role.SUPERVISOR or not assignee.is_active:
        raise ValidationFailed(
            _("A flag can only be assigned to a supervisor."),
            errors={"assignee": [_("A flag can only be assigned to a supervisor.")]},
        )
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if locked.state in DECIDED_STATES:
            raise Conflict(_("This flag has already been decided."), code="flag_decided")
        locked.state = FlagState.UNDER_REVIEW
        locked.assigned_to = assignee
        locked.assigned_at = clock.now()
        locked.updated_at = locked.assigned_at
        locked.save(update_fields=["state", "assigned_to", "assigned_at", "updated_at"])
        audit_record(
            actor=actor,
            action="integrity.flag.assign",
            target=locked,
            data={"assignee": assignee.pk},
        )
    return locked


def flag_decide(*, actor: User, flag: Flag, outcome: str, reason: str) -> Flag:
    """Clear or confirm a flag, with a reason. A decided flag cannot be decided again."""
    _require_supervisor(actor)
    reason = (reason or "").strip()
    if outcome not in DECIDED_STATES:
        raise ValidationFailed(
            _("Choose whether to clear or confirm the flag."),
            errors={"outcome": [_("Choose whether to clear or confirm the flag.")]},
        )
    if not reason:
        raise ValidationFailed(
            _("Give the reason for the decision."),
            errors={"reason": [_("Give the reason for the decision.")]},
        )
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if locked.state in DECIDED_STATES:
            raise Conflict(_("This flag has already been decided."), code="flag_decided")
        now = clock.now()
        if locked.assigned_to_id is None:
            locked.assigned_to, locked.assigned_at = actor, now
        locked.state = outcome
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_reason = reason[:4000]
        locked.updated_at = now
        locked.save()
        audit_record(
            actor=actor,
            action="integrity.flag.decide",
            target=locked,
            data={"outcome": outcome},
        )
    return locked


# --- A partner's file, checked against everyone already in Portline ---------------------


def _linkage_matcher(rows: list[CheckedRow]) -> list[Problem]:
    """Rows the person linkage finds among people already stored (above the exact check)."""
    if not settings.LINKAGE_KEY:
        return []
    found = likely_same_people([(row.number, row.person) for row in rows])
    message = _(
        "This row looks like a person already in Portline (found by person linkage: a "
        "similar name, date of birth or contact). Check that this is not the same person."
    )
    return [Problem(number, "", message) for number in sorted(found)]


def bulk_check_linked(
    *, actor: User, content: bytes, mapping: Sequence[str] | None = None
) -> Report:
    """`intake.services.bulk_check` with the person linkage finding likely duplicates too
    (the exact name and date-of-birth check alone where no linkage key is configured)."""
    return bulk_check(actor=actor, content=content, mapping=mapping, matcher=_linkage_matcher)


def bulk_commit_linked(
    *,
    actor: User,
    content: bytes,
    mapping: Sequence[str] | None,
    checked_sha256: str,
    skip_duplicates: bool = False,
) -> BulkImport:
    """`intake.services.bulk_commit`, leaving out (with `skip_duplicates`) the rows the person
    linkage finds as well as the exact duplicates."""
    return bulk_commit(
        actor=actor,
        content=content,
        mapping=mapping,
        checked_sha256=checked_sha256,
        skip_duplicates=skip_duplicates,
        matcher=_linkage_matcher,
    )
