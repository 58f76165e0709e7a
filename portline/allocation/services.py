"""Allocation rounds: freeze, seed from a beacon, draw, promote standby.

`round_freeze` commits to the eligible requests (fingerprint) before the beacon value exists;
`round_beacon_set` records that value and derives the seed; `round_allocate` runs the pure
engine and writes the outcome in one transaction, so two runs at once cannot both succeed and a
crash leaves nothing half-written. docs/allocation.md is the specification.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import re
import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.utils.translation import gettext as _

from portline.allocation import beacon as beacons
from portline.allocation import canonical, engine, fairness
from portline.allocation.models import (
    BeaconSource,
    Round,
    RoundSelection,
    RoundStatus,
    SelectionOutcome,
)
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from portline.registrations.models import (
    AppointmentRequest,
    Person,
    Registration,
    RegistrationStatus,
    RequestStatus,
)
from portline.scheduling.models import Port
from portline.scheduling.selectors import program_settings_get, request_window_for

logger = logging.getLogger(__name__)

PORT_CODE = re.compile(r"^[A-Z0-9]{2,8}$")  # docs/allocation.md: the codes the export allows
STANDBY_PERCENT = 100  # standby list per port: people up to this share of its capacity


def _window_for_round(round_date: dt.date):
    program = program_settings_get()
    # Any instant on the round's local day names the same window.
    from zoneinfo import ZoneInfo

    noon = dt.datetime.combine(
        round_date, dt.time(12, 0), tzinfo=ZoneInfo(program.window_time_zone)
    )
    return request_window_for(at=noon, program=program), program


# The frozen entries, packed: position in the export = index in the array.
ENTRY_DTYPE = np.dtype(
    [
        ("request_id", "<i8"),
        ("group_size", "<i2"),
        ("first_port_id", "<i4"),
        ("second_port_id", "<i4"),
        ("registered_day", "<i4"),
    ]
)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _eligible_entries(round_date: dt.date) -> np.ndarray:
    """Every request still waiting for this round whose registration is submitted, with its
    group size (people now in the registration) and registration day, in one raw query."""
    request_table = AppointmentRequest._meta.db_table
    registration_table = Registration._meta.db_table
    person_table = Person._meta.db_table
    if connection.vendor == "postgresql":
        # PostgreSQL: count everyone's people once (hash aggregate) and join; about 3x faster
        # than a per-request count at a million requests.
        sql = (
            "SELECT r.id, c.people, r.first_port_id, COALESCE(r.second_port_id, -1), "  # noqa: S608 - table names from our own models
            "((g.submitted_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01') "
            f"FROM {request_table} r JOIN {registration_table} g ON g.id = r.registration_id "
            f"JOIN (SELECT registration_id, COUNT(*) AS people FROM {person_table} GROUP BY registration_id) c "
            "ON c.registration_id = r.registration_id "
            "WHERE r.round_date = %s AND r.status = %s AND g.status = %s"
        )
    else:  # SQLite: a per-request count over the covering index is fastest; dates are UTC text
        sql = (
            f"SELECT r.id, (SELECT COUNT(*) FROM {person_table} p WHERE p.registration_id = r.registration_id), "  # noqa: S608 - table names from our own models
            "r.first_port_id, COALESCE(r.second_port_id, -1), "
            "CAST(julianday(substr(g.submitted_at, 1, 10)) - 2440587.5 AS INTEGER) "
            f"FROM {request_table} r JOIN {registration_table} g ON g.id = r.registration_id "
            "WHERE r.round_date = %s AND r.status = %s AND g.status = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_date, RequestStatus.PENDING, RegistrationStatus.SUBMITTED])
        rows = cursor.fetchall()
    entries = np.zeros(len(rows), dtype=ENTRY_DTYPE)
    if rows:
        columns = np.fromiter(
            itertools.chain.from_iterable(rows), dtype=np.int64, count=5 * len(rows)
        ).reshape(-1, 5)
        entries["request_id"] = columns[:, 0]
        entries["group_size"] = columns[:, 1]
        entries["first_port_id"] = columns[:, 2]
        entries["second_port_id"] = columns[:, 3]
        entries["registered_day"] = columns[:, 4] + _EPOCH_ORDINAL
    return entries


def round_freeze(
    *,
    actor: Any,
    round_date: dt.date,
    beacon_source: str = BeaconSource.DRAND,
    allow_open_window: bool = False,
    engine_version: str = engine.ENGINE_VERSION,
) -> Round:
    """Freeze the round's eligible requests and every parameter of its draw, and publish their
    fingerprint, the commitment and the beacon target. `engine_version` "1" exists only to
    compare with the rounds drawn before version 2 (benchmarks, compatibility tests)."""
    if engine_version not in engine.ENGINE_VERSIONS:
        raise ValidationFailed(
            _("Unknown engine version."), errors={"engine_version": [_("Choose 1 or 2.")]}
        )
    if beacon_source not in BeaconSource.values:
        raise ValidationFailed(
            _("Unknown beacon."), errors={"beacon_source": [_("Choose drand, nist or local.")]}
        )
    window, program = _window_for_round(round_date)
    now = clock.now()
    if now < window.closes_at and not allow_open_window:
        raise Conflict(
            _("The request window of %(date)s is still open; it closes at %(when)s.")
            % {"date": round_date.isoformat(), "when": window.closes_at.isoformat()},
            code="window_open",
        )
    codes = dict(Port.objects.values_list("pk", "code"))
    capacities = {p.code: int(p.daily_capacity) for p in Port.objects.filter(active=True)}
    unusable = sorted(code for code in capacities if not PORT_CODE.match(code))
    if unusable:
        raise ValidationFailed(
            _("Port codes in a round are 2 to 8 capital letters or digits: %(codes)s.")
            % {"codes": ", ".join(unusable)},
            errors={"ports": [_("Correct these port codes before freezing.")]},
        )
    with transaction.atomic():
        if Round.objects.select_for_update().filter(round_date=round_date).exists():
            raise Conflict(_("This round is already frozen."), code="already_frozen")
        entries = _eligible_entries(round_date)
        # Requests whose first port stopped taking requests are out; an inactive second port is dropped.
        active_ids = np.array(
            sorted(pk for pk, code in codes.items() if code in capacities), dtype=np.int64
        )
        entries = entries[np.isin(entries["first_port_id"], active_ids)]
        entries["second_port_id"][~np.isin(entries["second_port_id"], active_ids)] = -1
        salt = secrets.token_hex(16)
        pseudonyms = canonical.request_pseudonyms(salt, entries["request_id"])
        order = np.argsort(
            pseudonyms.reshape(-1).view("S32"), kind="stable"
        )  # canonical order: by request hash
        entries = entries[order]
        body = requests_body(pseudonyms[order].tobytes(), entries, codes)
        fingerprint = canonical.fingerprint(body)
        target, not_before = beacons.beacon_target(beacon_source, now)
        packed = entries.tobytes()
        reserved_percent = reserved_percent_of(program.reserved_share)
        round_obj = Round(
            round_date=round_date,
            service_date=round_date + dt.timedelta(days=program.service_days_ahead),
            status=RoundStatus.FROZEN,
            frozen_at=now,
            fingerprint=fingerprint,
            request_salt=salt,
            request_count=int(entries.size),
            people_count=int(entries["group_size"].sum()),
            capacities=capacities,
            reserved_percent=reserved_percent,
            standby_percent=STANDBY_PERCENT,
            beacon_source=beacon_source,
            beacon_round=target,
            beacon_not_before=not_before,
            beacon_delay_seconds=int(beacons.BEACON_MARGIN.total_seconds()),
            engine_version=engine_version,
            entries=packed,
            entries_sha256=hashlib.sha256(packed).hexdigest(),
        )
        if engine_version == "2":
            round_obj.size_weights = _size_weights(entries, codes, capacities, reserved_percent)
            round_obj.commitment = canonical.input_digest(_commitment_text(round_obj))
            round_obj.input_digest = round_obj.commitment
        try:
            with transaction.atomic():
                round_obj.save(force_insert=True)
        except IntegrityError as exc:  # a concurrent freeze of the same date won
            raise Conflict(_("This round is already frozen."), code="already_frozen") from exc
        audit_record(
            actor=actor,
            action="allocation.round.freeze",
            target=round_obj,
            data={
                "round_date": round_date,
                "fingerprint": fingerprint,
                "requests": round_obj.request_count,
                "beacon": beacon_source,
                "beacon_round": target,
                "engine_version": round_obj.engine_version,
                "commitment": round_obj.commitment,
                "commitment_text": _commitment_text(round_obj) if engine_version == "2" else "",
            },
        )
    return round_obj


def reserved_percent_of(share: Decimal | float | str) -> int:
    """The program's reserved share (a decimal fraction, two places) as the integer percent
    the draw uses: share x 100, rounded half up (exact for two decimal places)."""
    return int((Decimal(str(share)) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _size_weights(
    entries: np.ndarray, codes: dict[int, str], capacities: dict[str, int], reserved_percent: int
) -> dict[str, list[int]]:
    """Engine version 2's weights per port, from the frozen first choices' sizes."""
    weights = {}
    for pk, code in codes.items():
        if code not in capacities:
            continue
        sizes = entries["group_size"][entries["first_port_id"] == pk].astype(np.int64)
        counts = np.bincount(sizes - 1, minlength=engine.MAX_GROUP)[: engine.MAX_GROUP]
        weights[code] = fairness.v2_weights(capacities[code], reserved_percent, counts.tolist())
    return weights


def _commitment_text(round_obj: Round) -> str:
    return canonical.commitment_text(
        round_date=round_obj.round_date,
        service_date=round_obj.service_date,
        frozen_at=round_obj.frozen_at,
        capacities=round_obj.capacities,
        size_weights=round_obj.size_weights,
        reserved_percent=round_obj.reserved_percent,
        standby_percent=round_obj.standby_percent,
        request_count=round_obj.request_count,
        fingerprint=round_obj.fingerprint,
        beacon_source=round_obj.beacon_source,
        beacon_round=round_obj.beacon_round,
        beacon_delay_seconds=round_obj.beacon_delay_seconds,
    )


def round_commitment(round_obj: Round) -> str:
    """Engine version 2: the commitment recomputed from the round's stored parameters."""
    return canonical.input_digest(_commitment_text(round_obj))


def requests_body(digests: bytes, entries: np.ndarray, codes: dict[int, str]) -> bytes:
    """The data lines of requests.csv for entries in canonical order (port ids -> codes)."""
    ids = sorted(codes)
    index_of = np.full(max([*ids, 0]) + 2, -1, dtype=np.int64)
    for index, pk in enumerate(ids):
        index_of[pk] = index
    second = entries["second_port_id"].astype(np.int64)
    return canonical.requests_body(
        digests,
        entries["group_size"],
        index_of[entries["first_port_id"]],
        np.where(second >= 0, index_of[np.maximum(second, 0)], -1),
        entries["registered_day"],
        [codes[pk] for pk in ids],
    )


def round_beacon_set(
    *,
    actor: Any,
    round_date: dt.date,
    value: str,
    beacon_round: str | None = None,
    signature: str = "",
    previous_signature: str = "",
    local: bool = False,
) -> Round:
    """Record the beacon value for a frozen round and derive its seed.

    drand: give the round's signature (and the previous one) to have it checked; the value
    must then be SHA-256 of the signature. A local value is allowed only for rounds frozen
    with the local beacon, and is marked wherever the round is shown."""
    value = (value or "").strip().lower()
    signature = (signature or "").strip().lower()
    previous_signature = (previous_signature or "").strip().lower()
    if not beacons.is_hex(value) or len(value) < 32 or len(value) > 128:
        raise ValidationFailed(
            _("The beacon value is 32 to 128 hexadecimal characters."),
            errors={"value": [_("Hexadecimal, 32 to 128 characters.")]},
        )
    with transaction.atomic():
        round_obj = Round.objects.select_for_update().filter(round_date=round_date).first()
        if round_obj is None:
            raise NotFound(_("No round for %(date)s.") % {"date": round_date.isoformat()})
        if round_obj.status == RoundStatus.DRAWN:
            raise Conflict(
                _("This round has been drawn; its beacon value cannot change."),
                code="already_drawn",
            )
        if local != (round_obj.beacon_source == BeaconSource.LOCAL):
            raise ValidationFailed(
                _("This round was frozen with the %(source)s beacon.")
                % {"source": round_obj.beacon_source},
                errors={"value": [_("Use the beacon fixed when the round was frozen.")]},
            )
        if beacon_round is not None and not local and str(beacon_round) != round_obj.beacon_round:
            raise ValidationFailed(
                _("This round's beacon is round %(target)s, fixed when it was frozen.")
                % {"target": round_obj.beacon_round},
                errors={"beacon_round": [_("Use the beacon round fixed at freeze time.")]},
            )
        verified = False
        if signature and round_obj.beacon_source == BeaconSource.DRAND:
            if not (beacons.is_hex(signature) and beacons.is_hex(previous_signature)):
                raise ValidationFailed(
                    _("Signatures are hexadecimal."), errors={"signature": [_("Hexadecimal only.")]}
                )
            if beacons.drand_randomness(signature) != value:
                raise ValidationFailed(
                    _("The value is not SHA-256 of the signature."),
                    errors={"value": [_("The value does not match the signature.")]},
                )
            if beacons.bls_available():
                if not beacons.drand_signature_valid(
                    round_number=int(round_obj.beacon_round),
                    signature_hex=signature,
                    previous_signature_hex=previous_signature,
                ):
                    raise ValidationFailed(
                        _("The drand signature does not verify."),
                        errors={"signature": [_("Not a valid signature for this round.")]},
                    )
                verified = True
        round_obj.beacon_value = value
        round_obj.beacon_signature = signature
        round_obj.beacon_previous_signature = previous_signature
        round_obj.beacon_verified = verified
        round_obj.beacon_entered_at = clock.now()
        if round_obj.engine_version == "2":
            if round_commitment(round_obj) != round_obj.commitment:
                raise ApplicationError(
                    _("This round's parameters no longer match its commitment."),
                    code="commitment_mismatch",
                )
            published = beacons.beacon_published_at(round_obj.beacon_source, round_obj.beacon_round)
            earliest = round_obj.frozen_at + dt.timedelta(seconds=round_obj.beacon_delay_seconds)
            if published is not None and published < earliest:
                raise ValidationFailed(
                    _("This beacon round was published before the round was frozen."),
                    errors={"beacon_round": [_("Use the beacon round fixed at freeze time.")]},
                )
            round_obj.input_digest = round_obj.commitment
        else:
            # Frozen before engine version 2 existed: drawn and verified with version 1.
            round_obj.engine_version = "1"
            round_obj.input_digest = canonical.input_digest(_parameters(round_obj))
        round_obj.seed = canonical.seed_from(
            round_obj.input_digest, value, round_obj.engine_version
        )
        round_obj.status = RoundStatus.SEEDED
        _save_fields(round_obj)
        audit_record(
            actor=actor,
            action="allocation.round.seed",
            target=round_obj,
            data={
                "beacon": round_obj.beacon_source,
                "beacon_round": round_obj.beacon_round,
                "value": value,
                "verified": verified,
                "seed": round_obj.seed,
            },
        )
    return round_obj


def _save_fields(round_obj: Round) -> None:
    """Save a round's changes, never rewriting its frozen entries (written once, at freeze)."""
    frozen = {
        "id",
        "entries",
        "entries_sha256",
        "request_salt",
        "fingerprint",
        "round_date",
        "frozen_at",
        "commitment",
        "size_weights",
        "beacon_delay_seconds",
    }
    round_obj.save(
        update_fields=[f.name for f in Round._meta.concrete_fields if f.name not in frozen]
    )


def _parameters(round_obj: Round) -> str:
    return canonical.parameters_text(
        round_date=round_obj.round_date,
        service_date=round_obj.service_date,
        capacities=round_obj.capacities,
        reserved_percent=round_obj.reserved_percent,
        standby_percent=round_obj.standby_percent,
        fingerprint=round_obj.fingerprint,
        engine_version="1",
    )


def round_entries(round_obj: Round) -> np.ndarray:
    """The frozen entries in canonical order (checked against their recorded hash)."""
    packed = bytes(round_obj.entries)
    if hashlib.sha256(packed).hexdigest() != round_obj.entries_sha256:
        raise ApplicationError(
            _("The frozen requests of this round are damaged."), code="entries_damaged"
        )
    return np.frombuffer(packed, dtype=ENTRY_DTYPE)


def round_entries_arrays(round_obj: Round) -> dict[str, np.ndarray]:
    entries = round_entries(round_obj)
    return {name: entries[name].astype(np.int64) for name in ENTRY_DTYPE.names or ()}


def round_engine_input(
    round_obj: Round, arrays: dict[str, np.ndarray]
) -> tuple[engine.RoundInput, list[str]]:
    codes = sorted(round_obj.capacities)
    port_ids = dict(Port.objects.filter(code__in=codes).values_list("pk", "code"))
    index_of_id = np.full(max([*port_ids, 0]) + 2, -1, dtype=np.int64)
    for pk, code in port_ids.items():
        index_of_id[pk] = codes.index(code)
    first = index_of_id[arrays["first_port_id"]]
    second = np.where(
        arrays["second_port_id"] >= 0, index_of_id[np.maximum(arrays["second_port_id"], 0)], -1
    )
    data = engine.RoundInput(
        seed=bytes.fromhex(round_obj.seed),
        capacities=[int(round_obj.capacities[c]) for c in codes],
        reserved_percent=round_obj.reserved_percent,
        standby_percent=round_obj.standby_percent,
        group_size=arrays["group_size"],
        first_port=first,
        second_port=second,
        registered_day=arrays["registered_day"],
        engine_version=round_obj.engine_version,
        size_weights=[round_obj.size_weights[c] for c in codes]
        if round_obj.engine_version == "2"
        else None,
    )
    return data, codes


def round_allocate(*, actor: Any, round_date: dt.date) -> Round:
    """Draw a seeded round and write its outcome. Exactly one of two concurrent runs succeeds
    (the round row is locked and its status re-read); the other gets a Conflict."""
    try:
        return _round_allocate(actor=actor, round_date=round_date)
    except OperationalError as exc:
        # SQLite without a busy wait (shared-cache memory databases) reports the other
        # writer's lock instead of waiting for it: that run is already under way.
        if "locked" not in str(exc):
            raise
        raise Conflict(
            _("Another draw of this round is running."), code="draw_in_progress"
        ) from exc


def _round_allocate(*, actor: Any, round_date: dt.date) -> Round:
    with transaction.atomic():
        round_obj = Round.objects.select_for_update().filter(round_date=round_date).first()
        if round_obj is None:
            raise NotFound(_("No round for %(date)s.") % {"date": round_date.isoformat()})
        if round_obj.status == RoundStatus.DRAWN:
            raise Conflict(_("This round has already been drawn."), code="already_drawn")
        if round_obj.status != RoundStatus.SEEDED or not round_obj.seed:
            raise Conflict(_("Enter the beacon value before drawing this round."), code="no_beacon")
        if round_obj.engine_version not in engine.ENGINE_VERSIONS:
            raise ApplicationError(
                _("This round was seeded for engine version %(version)s.")
                % {"version": round_obj.engine_version},
                code="engine_version",
            )
        arrays = round_entries_arrays(round_obj)
        data, codes = round_engine_input(round_obj, arrays)
        result = engine.allocate(data)
        _write_outcome(round_obj, arrays, codes, result)
        audit_record(
            actor=actor,
            action="allocation.round.draw",
            target=round_obj,
            data={
                "seed": round_obj.seed,
                "engine_version": round_obj.engine_version,
                "input_digest": round_obj.input_digest,
                "result_digest": round_obj.result_digest,
                "selected_requests": round_obj.selected_requests,
                "selected_people": round_obj.selected_people,
            },
        )
        transaction.on_commit(lambda: _answer_later(round_obj.round_date))
    return round_obj


def _answer_later(round_date: dt.date) -> None:
    from portline.allocation.tasks import allocation_answer

    try:
        allocation_answer.enqueue(round_date=round_date.isoformat())
    except Exception:  # the scheduled tick answers them anyway
        logger.exception("allocation: could not queue the answers of round %s", round_date)


ANSWER_BATCH = 100_000


def round_answer_requests(*, actor: Any, round_date: dt.date) -> int:
    """Mark "not selected" every request of a drawn round still waiting (made before its
    freeze): those the draw did not list. Idempotent; works in batches of request ids so no
    transaction holds a million rows. Returns how many requests it answered."""
    round_obj = Round.objects.filter(round_date=round_date, status=RoundStatus.DRAWN).first()
    if round_obj is None:
        return 0
    waiting = AppointmentRequest.objects.filter(
        round_date=round_date,
        status=RequestStatus.PENDING,
        created_at__lte=round_obj.frozen_at,
    )
    bounds = waiting.aggregate(low=models.Min("pk"), high=models.Max("pk"))
    if bounds["low"] is None:
        return 0
    answered = 0
    for start in range(bounds["low"], bounds["high"] + 1, ANSWER_BATCH):
        with transaction.atomic():
            answered += waiting.filter(pk__gte=start, pk__lt=start + ANSWER_BATCH).update(
                status=RequestStatus.NOT_SELECTED
            )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="allocation.round.answer",
            target=round_obj,
            data={"not_selected": answered},
        )
    return answered


def _outcome_rows(
    arrays: dict[str, np.ndarray], codes: list[str], result: engine.RoundResult
) -> list[tuple[str, str, int, int, int, bool]]:
    """(port code, outcome, rank, request id, group size, reserved) for every listed request."""
    request_ids = arrays["request_id"]
    sizes = arrays["group_size"]
    rows = []
    for index, code in enumerate(codes):
        reserved = set(result.reserved[index].tolist())
        for rank, position in enumerate(result.selected[index].tolist(), start=1):
            rows.append(
                (
                    code,
                    "selected",
                    rank,
                    int(request_ids[position]),
                    int(sizes[position]),
                    position in reserved,
                )
            )
        for rank, position in enumerate(result.standby[index].tolist(), start=1):
            rows.append(
                (code, "standby", rank, int(request_ids[position]), int(sizes[position]), False)
            )
    return rows


def _result_rows(
    round_obj: Round, arrays: dict[str, np.ndarray], codes: list[str], result: engine.RoundResult
) -> list[tuple]:
    """The rows of results.csv: as `_outcome_rows`, with the request hash for the request id."""
    rows = _outcome_rows(arrays, codes, result)
    hashes = request_hashes_of(round_obj, arrays["request_id"], [row[3] for row in rows])
    return [
        (code, outcome, rank, hashes[rid], size, reserved)
        for code, outcome, rank, rid, size, reserved in rows
    ]


def request_hashes_of(
    round_obj: Round, request_ids: np.ndarray, wanted: list[int]
) -> dict[int, str]:
    """Request id -> request hash (hex) in this round, for the `wanted` ids of its frozen set."""
    ids = np.asarray(request_ids, dtype=np.int64)
    pseudonyms = canonical.request_pseudonyms(round_obj.request_salt, ids)
    order = np.argsort(ids, kind="stable")
    positions: np.ndarray | list[int] = (
        order[np.searchsorted(ids[order], np.asarray(wanted, dtype=np.int64))] if wanted else []
    )
    return {
        int(rid): pseudonyms[int(i)].tobytes().hex()
        for rid, i in zip(wanted, positions, strict=True)
    }


def _write_outcome(
    round_obj: Round, arrays: dict[str, np.ndarray], codes: list[str], result: engine.RoundResult
) -> None:
    port_by_code = {p.code: p for p in Port.objects.filter(code__in=codes)}
    selections = [
        RoundSelection(
            round=round_obj,
            request_id=rid,
            port=port_by_code[code],
            service_date=round_obj.service_date,
            group_size=size,
            outcome=outcome,
            rank=rank,
            reserved=reserved,
        )
        for code, outcome, rank, rid, size, reserved in _outcome_rows(arrays, codes, result)
    ]
    RoundSelection.objects.bulk_create(selections, batch_size=2000)
    selected_ids = [s.request_id for s in selections if s.outcome == SelectionOutcome.SELECTED]
    standby_ids = [s.request_id for s in selections if s.outcome == SelectionOutcome.STANDBY]
    # Everyone else is answered "not selected" by `round_answer_requests` right after the
    # commit: rewriting a million rows takes tens of seconds on PostgreSQL, and the draw does
    # not need to wait for it (nor hold its lock meanwhile).
    for chunk in _chunks(selected_ids):
        AppointmentRequest.objects.filter(pk__in=chunk).update(status=RequestStatus.SELECTED)
    for chunk in _chunks(standby_ids):
        AppointmentRequest.objects.filter(pk__in=chunk).update(status=RequestStatus.STANDBY)
    round_obj.result_digest = canonical.result_digest(
        canonical.result_lines(_result_rows(round_obj, arrays, codes, result))
    )
    round_obj.selected_requests = len(selected_ids)
    round_obj.selected_people = sum(
        s.group_size for s in selections if s.outcome == SelectionOutcome.SELECTED
    )
    round_obj.reserved_people = sum(s.group_size for s in selections if s.reserved)
    round_obj.standby_requests = len(standby_ids)
    round_obj.drawn_at = clock.now()
    round_obj.status = RoundStatus.DRAWN
    _save_fields(round_obj)


def _chunks(items: list[int], size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def standby_promote(
    *, actor: Any, port: Port, service_date: dt.date, free_people: int
) -> list[RoundSelection]:
    """Move standby requests of this port and date up to selected, in published standby order,
    skipping groups larger than the places still free (never split). Returns those promoted."""
    if free_people <= 0:
        return []
    promoted: list[RoundSelection] = []
    with transaction.atomic():
        waiting = list(
            RoundSelection.objects.select_for_update(of=("self",))
            .filter(port=port, service_date=service_date, outcome=SelectionOutcome.STANDBY)
            .order_by("round__round_date", "rank")
        )
        left = free_people
        now = clock.now()
        for selection in waiting:
            if left <= 0:
                break
            if selection.group_size > left:
                continue
            selection.outcome = SelectionOutcome.SELECTED
            selection.promoted_at = now
            selection.save(update_fields=["outcome", "promoted_at"])
            AppointmentRequest.objects.filter(pk=selection.request_id).update(
                status=RequestStatus.SELECTED
            )
            left -= selection.group_size
            promoted.append(selection)
            audit_record(
                actor=actor,
                action="allocation.standby.promote",
                target=selection,
                data={
                    "round": selection.round_id,
                    "port": port.code,
                    "rank": selection.rank,
                    "people": selection.group_size,
                },
            )
    return promoted


def round_last_closed(*, at: dt.datetime) -> dt.date:
    """The round date of the last request window that has closed at `at`."""
    window = request_window_for(at=at)
    return window.round_date if at >= window.closes_at else window.round_date - dt.timedelta(days=1)


def round_due_for_freeze(*, round_date: dt.date) -> bool:
    """A closed window's round is frozen once, and only when it has requests."""
    return (
        not Round.objects.filter(round_date=round_date).exists()
        and AppointmentRequest.objects.filter(
            round_date=round_date, status=RequestStatus.PENDING
        ).exists()
    )
