from __future__ import annotations

import datetime as dt
from contextlib import closing
from typing import Any

from django.db import connection, models, transaction

from portline.audit import chain, merkle, signing
from portline.audit.models import AuditDayRoot, AuditRecord
from portline.audit.selectors import audit_rows
from portline.common import clock

# One statement takes the chain head and moves it on. On PostgreSQL the UPDATE holds the
# head row's lock until the writer's transaction ends, so a second writer waits here and
# then reads the first one's committed head (READ COMMITTED re-reads the row it waited
# for). On SQLite the transaction is already the only writer (transaction_mode IMMEDIATE,
# checked by `audit.E001`); the UPDATE is then an ordinary write.
_TAKE_HEAD = "UPDATE audit_auditchainhead SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, at"
_START_HEAD = (
    "INSERT INTO audit_auditchainhead (id, seq, hash, at) VALUES (1, 0, %s, NULL) "
    "ON CONFLICT (id) DO NOTHING"
)
_MOVE_HEAD = "UPDATE audit_auditchainhead SET hash = %s, at = %s WHERE id = 1"


def audit_record(
    *, actor: Any, action: str, target: models.Model | None = None, data: dict | None = None
) -> AuditRecord:
    """Write one audit row. Must run inside the transaction of the change it records.

    `action` is `domain.subject.verb`. `data` holds identifiers and changed field names,
    not personal data values. The row is chained to the one before it (docs/audit.md).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit_record must be called inside transaction.atomic() with its change"
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    record = AuditRecord(
        actor=user,
        actor_role=getattr(user, "role", "") if user else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=chain.stored_data(data),
    )
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_HEAD)
        head = cursor.fetchone()
        if head is None:  # a new (or flushed) database: the head row starts the chain
            cursor.execute(_START_HEAD, [chain.GENESIS])
            cursor.execute(_TAKE_HEAD)
            head = cursor.fetchone()
        seq, prev, head_at = head
        now = clock.now()
        if head_at is not None:
            # Time never runs backwards along the chain (days are contiguous runs of seq).
            now = max(now, _aware(head_at))
        record.seq, record.prev_hash, record.at = seq, prev, now
        entry = chain.canonical_of(record)
        record.entry = entry.decode("ascii")
        record.hash = chain.entry_hash(entry)
        record.save(force_insert=True)
        cursor.execute(_MOVE_HEAD, [record.hash, connection.ops.adapt_datetimefield_value(now)])
    return record


def _aware(value: dt.datetime | str) -> dt.datetime:
    """The head's time as read by a raw cursor (SQLite hands back text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def audit_days_publish(*, actor: Any, before: dt.date) -> list[AuditDayRoot]:
    """Sign and store the roots of every day before `before` (UTC) not yet published, in
    order. Each day's statement holds its Merkle root over the day's events and the root of
    the whole log up to the day's last event. Returns the days published now."""
    import json

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
    return published
