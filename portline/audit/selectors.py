from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import DataError, connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portline.audit import chain, merkle, scan
from portline.audit.models import AuditChainHead, AuditDayRoot, AuditRecord
from portline.audit.verification import Finding, PublishedDay, Report, Row, verify_rows
from portline.common import clock
from portline.common.errors import NotFound, ValidationFailed


def audit_for_target(*, target_type: str, target_id: str) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(target_type=target_type, target_id=target_id).order_by("seq")


# Streaming the chain ---------------------------------------------------------------------

_COLUMNS = "id, seq, prev_hash, hash, entry, at, actor_id, actor_role, action, target_type, target_id, data"

# PostgreSQL checks, next to the data and in C, that every column agrees with the entry
# the hash is over: the entry must be exactly HEAD + data + MID + seq + TAIL, with HEAD, MID
# and TAIL rebuilt from the columns as text and only the data part parsed (jsonb equality).
# Python then hashes the entry and reads the seq digits. `to_json` leaves non-ASCII text
# unescaped where the canonical form escapes it, so a row the database finds different is
# checked again in Python before it is called modified; text that is not JSON makes the
# cast fail, and the caller then checks every row in Python (`_rows_checked_here`).
_PG_AT = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
_PG_FAST = """
SELECT id, seq, prev_hash, hash, entry,
       starts_with(entry, head) AND right(entry, length(tail)) = tail AND cut > length(head)
       AND substr(entry, length(head) + 1, cut - length(head) - 1)::jsonb = data,
       CASE WHEN cut > 0 THEN substr(entry, cut + length(mid),
            length(entry) - length(tail) - cut - length(mid) + 1) END,
       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
FROM audit_auditrecord
CROSS JOIN LATERAL (SELECT
    '{"action":' || to_json(action)::text || ',"actor":' || coalesce(actor_id::text, 'null')
    || ',"actor_role":' || to_json(actor_role)::text || ',"at":"'
    || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '","data":' AS head,
    ',"prev":"' || prev_hash || '","seq":' AS mid,
    ',"target_id":' || to_json(target_id)::text || ',"target_type":'
    || to_json(target_type)::text || ',"v":1}' AS tail) AS text_parts
CROSS JOIN LATERAL (SELECT strpos(entry, mid) AS cut) AS found
"""


def _sqlite_at(value: dt.datetime | str) -> str:
    """SQLite keeps `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC; Django's connection hands it back
    as a naive datetime (or text, on a bare connection)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if len(value) == 19:
        value += ".000000"
    return value[:10] + "T" + value[11:26] + "Z"


def _where(seq_from: int | None, seq_to: int | None) -> tuple[str, list[int]]:
    where, params = ["seq IS NOT NULL"], []  # chained rows only: the chain is theirs
    if seq_from is not None:
        where.append("seq >= %s")
        params.append(seq_from)
    if seq_to is not None:
        where.append("seq <= %s")
        params.append(seq_to)
    return " WHERE " + " AND ".join(where) + " ORDER BY seq, id", params


def _checked_here(row_id: int) -> tuple[bool, int | None]:
    """One row's (columns agree with the entry, seq inside the entry), checked in Python."""
    row = next(_rows_checked_here(None, None, 1, row_id=row_id))
    return row.content_ok, row.entry_seq


def _rows_checked_by_postgres(
    seq_from: int | None, seq_to: int | None, chunk: int
) -> Iterator[Row]:
    """A reader thread fetches the next batch while this one hashes the current one, so
    PostgreSQL's checks and Python's hashing run side by side."""
    where, params = _where(seq_from, seq_to)
    batches: queue.Queue = queue.Queue(maxsize=2)
    with connection.chunked_cursor() as cursor:
        cursor.execute(_PG_FAST + where.replace("seq, id", "seq"), params)
        raw = cursor.cursor  # psycopg's own cursor: safe to use from the reader thread

        stop = threading.Event()

        def read() -> None:
            try:
                while not stop.is_set() and (batch := raw.fetchmany(chunk)):
                    batches.put(batch)
                batches.put(None)
            except Exception as exc:  # handed to the consumer, which raises it
                batches.put(exc)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            while (batch := batches.get()) is not None:
                if isinstance(batch, Exception):
                    raise batch
                for rid, seq, prev, hsh, entry, content_ok, seq_text, day in batch:
                    data = entry.encode("utf-8")
                    written = int(seq_text) if seq_text and seq_text.isdigit() else None
                    if not content_ok:
                        content_ok, written = _checked_here(rid)
                    yield Row(rid, seq, prev, hsh, data, written, bool(content_ok), day)
        finally:
            stop.set()
            while reader.is_alive():  # let the reader finish before the cursor closes
                try:
                    batches.get(timeout=0.1)
                except queue.Empty:
                    pass
            reader.join()


def _rows_checked_here(
    seq_from: int | None, seq_to: int | None, chunk: int, *, row_id: int | None = None
) -> Iterator[Row]:
    postgres = connection.vendor == "postgresql"
    where, params = _where(seq_from, seq_to)
    if row_id is not None:
        where, params = " WHERE id = %s", [row_id]
    columns = _COLUMNS.replace(" at,", f" {_PG_AT}," if postgres else " at,")
    loads = json.loads
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM audit_auditrecord" + where, params)  # noqa: S608 - fixed text, values are parameters
        while batch := cursor.fetchmany(chunk):
            for rid, seq, prev, hsh, entry, at, actor, role, action, ttype, tid, data in batch:
                at = at if postgres else _sqlite_at(at)
                if isinstance(data, str):  # Django's connections hand JSON back as text
                    data = loads(data)
                raw = (entry or "").encode("utf-8")
                try:
                    written = loads(raw)
                    entry_seq = written.get("seq") if isinstance(written, dict) else None
                except ValueError:
                    entry_seq = None
                content_ok = isinstance(entry_seq, int) and raw == chain.canonical(
                    seq=entry_seq,
                    prev=prev,
                    at=at,
                    actor=actor,
                    actor_role=role,
                    action=action,
                    target_type=ttype,
                    target_id=tid,
                    data_json=chain.canonical_data(data),
                )
                yield Row(
                    rid,
                    seq,
                    prev,
                    hsh,
                    raw,
                    entry_seq if isinstance(entry_seq, int) else None,
                    content_ok,
                    at[:10],
                )


def audit_rows(
    *,
    seq_from: int | None = None,
    seq_to: int | None = None,
    chunk: int = 20_000,
    in_database: bool = True,
) -> Iterator[Row]:
    """Every audit row in stored order (seq, then id), streamed: a server-side cursor on
    PostgreSQL, chunks on SQLite; memory stays flat however long the log is. With
    `in_database` (PostgreSQL only) the database compares columns with entries."""
    if in_database and connection.vendor == "postgresql":
        return _rows_checked_by_postgres(seq_from, seq_to, chunk)
    return _rows_checked_here(seq_from, seq_to, chunk)


def _published() -> list[PublishedDay]:
    return [
        PublishedDay(
            day=d.day.isoformat(),
            first_seq=d.first_seq,
            last_seq=d.last_seq,
            count=d.count,
            day_root=d.day_root,
            tree_size=d.tree_size,
            tree_root=d.tree_root,
        )
        for d in AuditDayRoot.objects.all()
    ]


def audit_verify(
    *,
    progress: Callable[[int], None] | None = None,
    lag_seconds: int | None = None,
    workers: int | None = None,
) -> Report:
    """Check the whole chain and every published day root (docs/audit.md, "Verify"), and
    report events left unchained longer than PORTLINE_AUDIT_CHAIN_LAG seconds (or
    `lag_seconds`). Reads only: run the sequencer first to cover every committed event."""
    published = _published()

    def run(in_database: bool) -> Report:
        """Inside one snapshot: the chain head is read with the rows, so a sequencer chaining
        meanwhile never makes the head look behind or ahead of them."""
        with transaction.atomic():
            if connection.vendor == "postgresql" and not nested:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            head = AuditChainHead.objects.filter(pk=1).first()
            rows = audit_rows(in_database=in_database)
            if progress is not None:
                rows = _counting(rows, progress)
            return verify_rows(
                rows,
                published=published,
                head_seq=head.seq if head else None,
                head_hash=head.hash if head else None,
            )

    nested = connection.in_atomic_block  # inside a caller's transaction: its snapshot
    fast = scan.scan(published=published, workers=workers, progress=progress)
    if fast is not None:  # intact: nothing to name
        _unchained_finding(fast, lag_seconds)
        return fast
    try:
        report = run(True)
    except (DataError, connection.Database.DataError):  # the driver's own, from the reader
        # An entry that is not JSON (or not JSON a database can read): check row by row here.
        report = run(False)
    _unchained_finding(report, lag_seconds)
    return report


def _unchained_finding(report: Report, lag_seconds: int | None) -> None:
    """Events still unchained longer than the allowed lag: the sequencer is not running, or
    rows were added behind its back."""
    lag = settings.PORTLINE_AUDIT_CHAIN_LAG if lag_seconds is None else lag_seconds
    late = AuditRecord.objects.filter(
        seq__isnull=True, at__lt=clock.now() - dt.timedelta(seconds=lag)
    ).order_by("id")
    count = late.count()
    if not count:
        return
    first = late.values_list("id", "at").first()
    assert first is not None
    report.add(
        Finding(
            "unchained",
            0,
            first[0],
            f"{count} event(s) written more than {lag} s ago are not chained (the oldest "
            f"written at {chain.format_at(first[1])}): the sequencer is not running "
            "(`portline audit chain`), or rows were added behind it",
        )
    )


def _counting(rows: Iterator[Row], progress: Callable[[int], None]) -> Iterator[Row]:
    for count, row in enumerate(rows, 1):
        if count % 100_000 == 0:
            progress(count)
        yield row


# Days and proofs -------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRange:
    day: dt.date
    first_seq: int
    last_seq: int


def _entry(row: Row) -> bytes:
    return row.entry


def audit_day_range(day: dt.date) -> DayRange:
    """The run of sequence numbers written on `day` (UTC). Time never runs backwards along
    the chain, so a day is one contiguous run."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    records = AuditRecord.objects.filter(
        at__gte=start, at__lt=start + dt.timedelta(days=1), seq__isnull=False
    )
    bounds = records.order_by("seq").values_list("seq", flat=True)
    first, last = bounds.first(), records.order_by("-seq").values_list("seq", flat=True).first()
    if first is None or last is None:
        raise NotFound(_("No audit events on %(day)s.") % {"day": day.isoformat()})
    return DayRange(day=day, first_seq=first, last_seq=last)


def audit_day_tree(day: dt.date) -> tuple[DayRange, list[bytes], list[Row]]:
    span = audit_day_range(day)
    rows = list(audit_rows(seq_from=span.first_seq, seq_to=span.last_seq))
    return span, [merkle.leaf_hash(_entry(r)) for r in rows], rows


def audit_log_leaves(*, up_to_seq: int) -> list[bytes]:
    return [merkle.leaf_hash(_entry(r)) for r in audit_rows(seq_to=up_to_seq)]


def _signed(day: dt.date) -> dict | None:
    published = AuditDayRoot.objects.filter(day=day).first()
    if published is None:
        return None
    return signed_document(published)


def signed_document(published: AuditDayRoot) -> dict:
    """The signed JSON file of one published day (what /audit/roots/DAY.json serves)."""
    from portline.audit import signing

    return {
        "algorithm": "Ed25519",
        "statement": json.loads(published.statement),
        "signature": published.signature,
        "public_key": signing.public_key_b64(),
    }


def audit_inclusion_proof(*, event_id: int) -> dict:
    """An RFC 6962 audit path for one event in its day's tree, with the day's signed root."""
    record = AuditRecord.objects.filter(pk=event_id).first()
    if record is None:
        raise NotFound(_("No audit event with id %(id)s.") % {"id": event_id})
    if record.seq is None:
        raise ValidationFailed(
            _("Audit event %(id)s is not chained yet: run “portline audit chain” and ask again.")
            % {"id": event_id}
        )
    day = record.at.astimezone(dt.UTC).date()
    _span, leaves, rows = audit_day_tree(day)
    index = next(i for i, r in enumerate(rows) if r.id == record.pk)
    return {
        "kind": "inclusion",
        "hash": "RFC 6962 (SHA-256; leaf 0x00, node 0x01)",
        "day": day.isoformat(),
        "event": {"id": record.pk, "seq": record.seq, "entry": _entry(rows[index]).decode()},
        "leaf_index": index,
        "tree_size": len(leaves),
        "root": merkle.root(leaves).hex(),
        "path": [node.hex() for node in merkle.inclusion_proof(leaves, index)],
        "signed": _signed(day),
    }


def audit_consistency_proof(*, first: dt.date, second: dt.date) -> dict:
    """RFC 6962 section 2.1.2 proof that the log as it stood at the end of `first` (every event
    up to that day's last one) is a prefix of the log at the end of `second`."""
    if second < first:
        raise ValidationFailed(_("The second day must not be before the first."))
    one, two = audit_day_range(first), audit_day_range(second)
    leaves = audit_log_leaves(up_to_seq=two.last_seq)
    size1, size2 = one.last_seq, two.last_seq
    return {
        "kind": "consistency",
        "hash": "RFC 6962 (SHA-256; leaf 0x00, node 0x01)",
        "tree": "every audit event from seq 1 to the last event of the day",
        "first": {
            "day": first.isoformat(),
            "tree_size": size1,
            "tree_root": merkle.root(leaves[:size1]).hex(),
            "signed": _signed(first),
        },
        "second": {
            "day": second.isoformat(),
            "tree_size": size2,
            "tree_root": merkle.root(leaves).hex(),
            "signed": _signed(second),
        },
        "proof": [node.hex() for node in merkle.consistency_proof(leaves, size1)],
    }


def audit_days_published() -> QuerySet[AuditDayRoot]:
    return AuditDayRoot.objects.order_by("-day")


def audit_day_root(day: dt.date) -> AuditDayRoot | None:
    return AuditDayRoot.objects.filter(day=day).first()
