from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from portline.audit import chain, merkle, signing
from portline.audit.models import AuditDayRoot, AuditRecord
from portline.audit.selectors import audit_rows
from portline.common import clock

# The sequencer's lock on PostgreSQL (transaction-level advisory lock; any fixed number that
# no other part of Portline uses).
SEQUENCER_LOCK = 0x504C_4155_4454  # "PLAUDT"
SEQUENCER_BATCH = 5000
# Rounds a writer's post-commit pass chains before it hands the rest to the worker.
_AFTER_COMMIT_ROUNDS = 4

_INSERT = (
    "INSERT INTO audit_auditrecord (at, actor_id, actor_role, action, target_type, target_id, "
    "data, seq, prev_hash, hash, entry) VALUES (%s, %s, %s, %s, %s, %s, {data}, NULL, '', '', '') "
    "RETURNING id"
)
_START_HEAD = (
    "INSERT INTO audit_auditchainhead (id, seq, hash, at) VALUES (1, 0, %s, NULL) "
    "ON CONFLICT (id) DO NOTHING"
)
_HEAD_SQLITE = "SELECT seq, hash, at FROM audit_auditchainhead WHERE id = 1"
_UNCHAINED = (
    "SELECT id, at, actor_id, actor_role, action, target_type, target_id, data "
    "FROM audit_auditrecord WHERE seq IS NULL ORDER BY id LIMIT %s"
)
# PostgreSQL: a pass is few round trips, because a writer runs one after each audited
# commit. (1) The lock, with the commit made asynchronous in the same statement; (2) the
# head (locked), the last signed day and the batch of unchained rows in one query, read
# after the lock is held so that its snapshot sees every fill committed before; (3) the
# fill and the head's move in one statement, which hands back how many rows it filled.
_LOCK_WAIT = "SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(%s)"
_LOCK_TRY = "SELECT set_config('synchronous_commit', 'off', true), pg_try_advisory_xact_lock(%s)"
_HEAD_AND_UNCHAINED = (
    "SELECT h.seq, h.hash, h.at, (SELECT max(day) FROM audit_auditdayroot), "
    "u.id, u.at, u.actor_id, u.actor_role, u.action, u.target_type, u.target_id, u.data "
    "FROM audit_auditchainhead AS h LEFT JOIN LATERAL ("
    "SELECT id, at, actor_id, actor_role, action, target_type, target_id, data "
    "FROM audit_auditrecord WHERE seq IS NULL ORDER BY id LIMIT %s) AS u ON true "
    "WHERE h.id = 1 ORDER BY u.id FOR UPDATE OF h"
)
# The whole batch as one JSON parameter (json.dumps and PostgreSQL's parser are both C).
_FILL_POSTGRES = (
    "WITH filled AS (UPDATE audit_auditrecord AS r SET seq = v.seq, prev_hash = v.prev, "
    "hash = v.hash, entry = v.entry, at = v.at FROM json_to_recordset(%s::json) "
    "AS v(id bigint, seq bigint, prev text, hash text, entry text, at timestamptz) "
    "WHERE r.id = v.id AND r.seq IS NULL RETURNING 1) "
    "UPDATE audit_auditchainhead SET seq = %s, hash = %s, at = %s WHERE id = 1 "
    "RETURNING (SELECT count(*) FROM filled)"
)
_FILL_SQLITE = (
    "UPDATE audit_auditrecord SET seq = %s, prev_hash = %s, hash = %s, entry = %s, at = %s "
    "WHERE id = %s AND seq IS NULL"
)


def audit_record(
    *, actor: Any, action: str, target: models.Model | None = None, data: dict | None = None
) -> AuditRecord:
    """Write one audit row. Must run inside the transaction of the change it records.

    `action` is `domain.subject.verb`. `data` holds identifiers and changed field names,
    not personal data values. The row is written unchained (one INSERT, no lock shared with
    other writers) and commits or rolls back with the change; after the commit the sequencer
    gives it its place in the chain (`audit_chain_pending`, docs/audit.md). The returned
    record's `seq`, `prev_hash`, `hash` and `entry` are empty until then.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit_record must be called inside transaction.atomic() with its change"
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    data_text = json.dumps(data or {}, cls=DjangoJSONEncoder)
    record = AuditRecord(
        at=clock.now(),
        actor=user,
        actor_role=getattr(user, "role", "") if user else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=json.loads(data_text),  # as the database hands it back (chain.stored_data)
        seq=None,
    )
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT.format(data="%s::jsonb" if postgres else "%s"),
            [
                connection.ops.adapt_datetimefield_value(record.at),
                record.actor_id,
                record.actor_role,
                record.action,
                record.target_type,
                record.target_id,
                data_text,
            ],
        )
        record.pk = cursor.fetchone()[0]
    record._state.adding = False
    record._state.db = connection.alias
    if settings.PORTLINE_AUDIT_CHAIN_AFTER_COMMIT and not _pass_pending(connection):
        transaction.on_commit(_chain_after_commit, robust=True)
    return record


def _pass_pending(conn: Any) -> bool:
    """Whether this transaction already runs a chaining pass after its commit: one pass
    chains every event the transaction wrote. Django keeps the hooks of the open
    transaction in `run_on_commit` and drops those of a savepoint that rolls back, so an
    event written after such a rollback registers the pass again."""
    return any(func is _chain_after_commit for _sids, func, _robust in conn.run_on_commit)


def _chain_after_commit() -> None:
    """Chain soon after a writer commits, without making writers wait for one another.

    PostgreSQL: take the sequencer's lock only if it is free. A writer that finds it taken
    leaves at once: its row committed before it tried, so before the holder lets go, and
    the holder looks for rows again after letting go. A pass gives up after a few rounds
    under a steady stream and queues the worker's task, which chains the rest. SQLite: every
    transaction already holds the database's one write lock, so the pass just runs."""
    if connection.vendor != "postgresql":
        audit_chain_pending()
        return
    for _round in range(_AFTER_COMMIT_ROUNDS):
        if _sequence(wait=False) is None:
            return  # another pass holds the lock and will look again after letting go
        if not _any_unchained():
            return
    from portline.audit.tasks import audit_chain_tick

    audit_chain_tick.enqueue()


def _any_unchained() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM audit_auditrecord WHERE seq IS NULL LIMIT 1")
        return cursor.fetchone() is not None


def audit_chain_follow(*, interval: float, stop: Callable[[], bool] = lambda: False) -> int:
    """Run the sequencer every `interval` seconds until `stop()` (a dedicated sequencer
    process: `portline audit chain --follow`). Returns how many events it chained."""
    total = 0
    while not stop():
        chained = audit_chain_pending()
        total += chained
        if chained < SEQUENCER_BATCH:
            time.sleep(interval)
    return total


def audit_chain_pending() -> int:
    """The sequencer: chain every committed unchained event, in the order of their ids, with
    consecutive sequence numbers after the chain head. Safe to run from many processes at
    once (one holds the lock at a time; PostgreSQL: advisory lock, SQLite: the write lock).
    Run after each audited commit, by the worker (`audit_chain_tick`), and by
    `portline audit chain`, `verify` and `publish`. Returns how many events it chained."""
    chained = _sequence(wait=True)
    return chained or 0


def _sequence(*, wait: bool) -> int | None:
    """Chain in batches, each batch one transaction under the lock. None: the lock was
    taken by another sequencer and `wait` is false."""
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The fill can be redone from the rows themselves: a crash that loses the
                # last fills (with their head, in the same transaction) leaves those rows
                # unchained, to be chained again. Anything that depends on a fill (a signed
                # day) commits synchronously later, which flushes the fill's WAL first.
                cursor.execute(_LOCK_WAIT if wait else _LOCK_TRY, [SEQUENCER_LOCK])
                if not wait and not cursor.fetchone()[1]:
                    return None
                done = _chain_batch_postgres(cursor)
            else:
                done = _chain_batch(cursor)
        total += done
        if done < SEQUENCER_BATCH:
            return total


def _chain_batch_postgres(cursor: Any) -> int:
    """One batch on PostgreSQL, under the lock: one query reads, one statement writes."""
    cursor.execute(_HEAD_AND_UNCHAINED, [SEQUENCER_BATCH])
    found = cursor.fetchall()
    if not found:  # a new (or flushed) database: the head row starts the chain
        cursor.execute(_START_HEAD, [chain.GENESIS])
        cursor.execute(_HEAD_AND_UNCHAINED, [SEQUENCER_BATCH])
        found = cursor.fetchall()
    seq, prev, head_at, last_day = found[0][:4]
    rows = [row[4:] for row in found if row[4] is not None]
    if not rows:
        return 0
    fills, seq, prev, at = _fills(rows, seq=seq, prev=prev, head_at=head_at, last_day=last_day)
    batch = json.dumps(
        [
            {"id": i, "seq": s, "prev": p, "hash": h, "entry": e, "at": a.isoformat()}
            for i, s, p, h, e, a in fills
        ]
    )
    cursor.execute(_FILL_POSTGRES, [batch, seq, prev, at])
    if cursor.fetchone()[0] != len(fills):  # only the sequencer fills rows, under its lock
        raise RuntimeError("audit sequencer: a row was chained by someone else")
    return len(fills)


def _chain_batch(cursor: Any) -> int:
    """One batch on SQLite, inside the IMMEDIATE transaction (the database's write lock)."""
    cursor.execute(_HEAD_SQLITE)
    head = cursor.fetchone()
    if head is None:  # a new (or flushed) database: the head row starts the chain
        cursor.execute(_START_HEAD, [chain.GENESIS])
        cursor.execute(_HEAD_SQLITE)
        head = cursor.fetchone()
    seq, prev, head_at = head
    cursor.execute(_UNCHAINED, [SEQUENCER_BATCH])
    rows = cursor.fetchall()
    if not rows:
        return 0
    last_day = AuditDayRoot.objects.order_by("-day").values_list("day", flat=True).first()
    fills, seq, prev, at = _fills(rows, seq=seq, prev=prev, head_at=head_at, last_day=last_day)
    adapt = connection.ops.adapt_datetimefield_value
    cursor.executemany(_FILL_SQLITE, [(s, p, h, e, adapt(a), i) for i, s, p, h, e, a in fills])
    if cursor.rowcount != len(fills):  # only the sequencer fills rows, under its lock
        raise RuntimeError("audit sequencer: a row was chained by someone else")
    cursor.execute(
        "UPDATE audit_auditchainhead SET seq = %s, hash = %s, at = %s WHERE id = 1",
        [seq, prev, adapt(at)],
    )
    return len(fills)


def _fills(
    rows: list, *, seq: int, prev: str, head_at: Any, last_day: dt.date | None
) -> tuple[list[tuple], int, str, dt.datetime]:
    """Each unchained row's place, link, entry, hash and time after the head: (the fills,
    the new head's seq, hash and time)."""
    # Time never runs backwards along the chain (so each day is one run of seq), and nothing
    # joins a day whose root is already signed.
    floor = _aware(head_at) if head_at is not None else None
    if last_day is not None:
        day_after = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), dt.UTC)
        floor = day_after if floor is None else max(floor, day_after)
    loads, canonical, canonical_data = json.loads, chain.canonical, chain.canonical_data
    format_at, sha256 = chain.format_at, hashlib.sha256
    fills: list[tuple] = []
    at = floor
    for rid, row_at, actor_id, role, action, ttype, tid, data in rows:
        at = _aware(row_at)
        if floor is not None and at < floor:
            at = floor
        floor = at
        seq += 1
        if isinstance(data, str):
            data = loads(data)
        entry = canonical(
            seq=seq,
            prev=prev,
            at=format_at(at),
            actor=actor_id,
            actor_role=role,
            action=action,
            target_type=ttype,
            target_id=tid,
            data_json=canonical_data(data),
        )
        digest = sha256(entry).hexdigest()
        fills.append((rid, seq, prev, digest, entry.decode("ascii"), at))
        prev = digest
    assert at is not None  # rows is not empty
    return fills, seq, prev, at


def _aware(value: dt.datetime | str) -> dt.datetime:
    """A time as read by a raw cursor (SQLite hands back text or naive UTC)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def audit_days_publish(*, actor: Any, before: dt.date) -> list[AuditDayRoot]:
    """Sign and store the roots of every day before `before` (UTC) not yet published, in
    order. Each day's statement holds its Merkle root over the day's events and the root of
    the whole log up to the day's last event. Returns the days published now. Chains
    every committed event first, and the publication events after."""
    audit_chain_pending()
    last = AuditDayRoot.objects.order_by("-day").first()
    if last is None:
        tree, start = merkle.RootBuilder(), 1
    else:
        frontier = [bytes.fromhex(h) for h in last.frontier]
        tree, start = merkle.builder_from_frontier(last.tree_size, frontier), last.last_seq + 1
    cutoff = min(before, clock.now().astimezone(dt.UTC).date()).isoformat()  # whole days only
    published: list[AuditDayRoot] = []
    day: str | None = None
    day_tree = merkle.RootBuilder()
    first = last_seq = 0

    def close() -> None:
        statement = {
            "log": "portline-audit",
            "v": 1,
            "day": day,
            "first_seq": first,
            "last_seq": last_seq,
            "count": day_tree.size,
            "day_root": day_tree.root().hex(),
            "tree_size": tree.size,
            "tree_root": tree.root().hex(),
            "key_id": signing.key_id(),
        }
        statements.append((statement, [node.hex() for node in merkle.builder_frontier(tree)]))

    statements: list[tuple[dict, list[str]]] = []
    with closing(audit_rows(seq_from=start)) as rows:
        for row in rows:
            row_day = row.day
            if row_day >= cutoff:
                break
            if row_day != day:
                if day is not None:
                    close()
                day, day_tree, first = row_day, merkle.RootBuilder(), row.seq
            leaf = merkle.leaf_hash(row.entry)
            day_tree.append(leaf)
            tree.append(leaf)
            last_seq = row.seq
    if day is not None:
        close()
    # Written after the stream is closed (a reading cursor stays clear of the writes).
    for statement, frontier in statements:
        text = json.dumps(statement, sort_keys=True, separators=(",", ":"))
        with transaction.atomic():
            day_root = AuditDayRoot.objects.create(
                day=dt.date.fromisoformat(statement["day"]),
                first_seq=statement["first_seq"],
                last_seq=statement["last_seq"],
                count=statement["count"],
                day_root=statement["day_root"],
                tree_size=statement["tree_size"],
                tree_root=statement["tree_root"],
                statement=text,
                signature=signing.sign(text.encode("ascii")),
                key_id=statement["key_id"],
                frontier=frontier,
            )
            audit_record(
                actor=actor,
                action="audit.day.publish",
                target=day_root,
                data={"day": statement["day"], "day_root": statement["day_root"]},
            )
        published.append(day_root)
    if published:
        audit_chain_pending()  # the publication events themselves
    return published
