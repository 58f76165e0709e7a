"""The audit hash chain: written right, and every kind of tampering found and named.

Tampering is planted the way an operator with database access would: raw SQL, after the
append-only triggers are dropped (SQLite) or disabled (PostgreSQL) inside the test's own
transaction, which puts them back when it rolls back."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from freezegun import freeze_time

from portline.audit import chain
from portline.audit.maintenance import append_only_suspended
from portline.audit.models import AuditChainHead, AuditRecord
from portline.audit.selectors import audit_verify
from portline.audit.services import audit_chain_pending, audit_days_publish, audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _write(count: int, *, actor=None) -> list[AuditRecord]:
    """`count` events, each in its own transaction, then chained by the sequencer (as the
    post-commit pass does outside the test's own transaction)."""
    records = []
    for n in range(count):
        with transaction.atomic():
            records.append(
                audit_record(actor=actor, action="test.thing.do", data={"n": n, "why": "test"})
            )
    audit_chain_pending()
    return [AuditRecord.objects.get(pk=record.pk) for record in records]


def _raw(sql: str, params: list | tuple = ()) -> None:
    with append_only_suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _kinds(report) -> list[tuple[str, int, int | None]]:
    return [(f.kind, f.seq, f.event_id) for f in report.findings]


def _renumber(pairs: dict[int, int]) -> None:
    """Give events new sequence numbers (through negatives: seq is unique)."""
    for old, new in pairs.items():
        _raw("UPDATE audit_auditrecord SET seq = %s WHERE seq = %s", [-new, old])
    _raw("UPDATE audit_auditrecord SET seq = -seq WHERE seq < 0")


def _forge(*, seq: int, prev: str, action: str, at: dt.datetime) -> int:
    """Insert a row whose own hash is right (the attacker knows the algorithm)."""
    entry = chain.canonical(
        seq=seq,
        prev=prev,
        at=chain.format_at(at),
        actor=None,
        actor_role="system",
        action=action,
        target_type="",
        target_id="",
        data_json="{}",
    )
    _raw(
        "INSERT INTO audit_auditrecord (at, actor_role, action, target_type, target_id, data, "
        "seq, prev_hash, hash, entry) VALUES (%s, 'system', %s, '', '', '{}', %s, %s, %s, %s)",
        [at, action, seq, prev, hashlib.sha256(entry).hexdigest(), entry.decode()],
    )
    return AuditRecord.objects.get(seq=seq, action=action).pk


def test_each_event_commits_to_the_one_before():
    user = UserFactory()
    records = _write(3, actor=user)
    first_seq = records[0].seq
    assert [r.seq for r in records] == [first_seq, first_seq + 1, first_seq + 2]
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
        assert after.at >= before.at
    for record in records:
        stored = AuditRecord.objects.get(pk=record.pk)
        assert chain.entry_hash(chain.canonical_of(stored)) == stored.hash == record.hash
        assert stored.entry.encode() == chain.canonical_of(stored)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (records[-1].seq, records[-1].hash)
    assert audit_verify().ok


def test_the_hash_covers_the_data_as_stored():
    with transaction.atomic():
        record = audit_record(
            actor=None,
            action="test.thing.do",
            data={"day": dt.date(2026, 1, 2), "amount": Decimal("1.50"), "names": ["Zoë"]},
        )
    audit_chain_pending()
    stored = AuditRecord.objects.get(pk=record.pk)
    assert stored.data == {"day": "2026-01-02", "amount": "1.50", "names": ["Zoë"]}
    assert chain.entry_hash(chain.canonical_of(stored)) == stored.hash
    # The hand-written canonical form is the plain sorted JSON of the event.
    event = {
        "seq": stored.seq,
        "prev": stored.prev_hash,
        "at": chain.format_at(stored.at),
        "actor": None,
        "actor_role": "system",
        "action": stored.action,
        "target_type": "",
        "target_id": "",
        "data": stored.data,
    }
    assert chain.canonical_dict(event) == chain.canonical_of(stored)


def test_a_modified_event_is_named():
    records = _write(6)
    _raw("UPDATE audit_auditrecord SET action = 'test.thing.undo' WHERE id = %s", [records[2].pk])
    report = audit_verify()
    assert _kinds(report) == [("modified", records[2].seq, records[2].pk)]
    assert "content no longer matches its hash" in report.findings[0].line()


def test_a_modified_and_rehashed_event_is_named():
    records = _write(6)
    target = AuditRecord.objects.get(pk=records[2].pk)
    target.data = {"n": 99}
    entry = chain.canonical_of(target)
    _raw(
        "UPDATE audit_auditrecord SET data = %s, hash = %s, entry = %s WHERE id = %s",
        ['{"n": 99}', chain.entry_hash(entry), entry.decode(), target.pk],
    )
    report = audit_verify()
    assert ("modified", records[2].seq, records[2].pk) in _kinds(report)
    assert "re-hashed" in report.findings[0].detail


def test_a_deleted_event_is_named():
    records = _write(6)
    _raw("DELETE FROM audit_auditrecord WHERE id = %s", [records[3].pk])
    report = audit_verify()
    assert [(f.kind, f.seq, f.seq_to) for f in report.findings] == [
        ("deleted", records[3].seq, records[3].seq)
    ]
    assert f"after event id {records[2].pk}" in report.findings[0].detail


def test_deleted_last_events_are_named_from_the_chain_head():
    records = _write(4)
    _raw("DELETE FROM audit_auditrecord WHERE id = %s", [records[3].pk])
    report = audit_verify()
    assert [(f.kind, f.seq) for f in report.findings] == [("deleted", records[3].seq)]


def test_events_past_the_chain_head_are_named():
    """An event appended behind the sequencer (or a head set back) leaves the head behind the
    last event; the rows and the head are read in one snapshot, so that is never a race."""
    records = _write(4)
    _raw("UPDATE audit_auditchainhead SET seq = seq - 1")
    report = audit_verify()
    assert [(f.kind, f.seq, f.seq_to, f.event_id) for f in report.findings] == [
        ("inserted", records[3].seq, records[3].seq, records[3].pk)
    ]
    assert "chain head records" in report.findings[0].detail


def test_an_inserted_event_is_named():
    records = _write(6)
    # The forger makes room at records[2]'s place and writes a well-formed event there.
    _renumber({r.seq: r.seq + 1 for r in records[2:]})
    forged = _forge(
        seq=records[2].seq, prev=records[1].hash, action="test.thing.forged", at=records[1].at
    )
    report = audit_verify()
    kinds = _kinds(report)
    assert kinds[0] == ("inserted", records[2].seq, forged)
    # The events after it are flagged once, as one run of displaced events.
    assert [(f.kind, f.seq, f.seq_to, f.offset) for f in report.findings[1:]] == [
        ("reordered", records[2].seq, records[5].seq, 1)
    ]


def test_an_inserted_row_that_fits_nowhere_is_named():
    records = _write(5)
    _raw(
        "INSERT INTO audit_auditrecord (at, actor_role, action, target_type, target_id, data, "
        "seq, prev_hash, hash, entry) "
        "VALUES (%s, 'system', 'test.thing.junk', '', '', '{}', %s, %s, %s, '{}')",
        [records[-1].at, records[-1].seq + 100, "ab" * 32, "cd" * 32],
    )
    junk = AuditRecord.objects.get(action="test.thing.junk").pk
    assert _kinds(audit_verify()) == [("inserted", records[-1].seq + 100, junk)]


def test_reordered_events_are_named():
    records = _write(6)
    a, b = records[2], records[3]
    _renumber({a.seq: b.seq, b.seq: a.seq})
    report = audit_verify()
    assert sorted(_kinds(report)) == sorted(
        [("reordered", a.seq, a.pk), ("reordered", b.seq, b.pk)]
    )
    assert all(f.kind == "reordered" for f in report.findings)


def test_an_edited_entry_is_named_even_when_it_is_not_json():
    records = _write(5)
    _raw("UPDATE audit_auditrecord SET entry = %s WHERE id = %s", ["{not json", records[1].pk])
    _raw("UPDATE audit_auditrecord SET entry = %s WHERE id = %s", ['{"seq":"x"}', records[3].pk])
    assert _kinds(audit_verify()) == [
        ("modified", records[1].seq, records[1].pk),
        ("modified", records[3].seq, records[3].pk),
    ]


def test_verify_command_says_which_event_and_does_not_crash():
    records = _write(4)
    _raw("UPDATE audit_auditrecord SET target_id = 'x' WHERE id = %s", [records[1].pk])
    _raw("DELETE FROM audit_auditrecord WHERE id = %s", [records[3].pk])
    out = io.StringIO()
    with pytest.raises(CommandError, match="does not verify"):
        call_command("audit_verify", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert f"MODIFIED: seq {records[1].seq} (event id {records[1].pk})" in text
    assert f"DELETED: seq {records[3].seq}" in text


def test_verify_command_on_an_intact_chain():
    _write(3)
    out = io.StringIO()
    call_command("audit_verify", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("OK ")


def test_a_consistently_rewritten_day_differs_from_its_signed_root():
    with freeze_time("2026-03-01 10:00:00"):
        records = _write(4)
    with freeze_time("2026-03-02 09:00:00"):
        published = audit_days_publish(actor=None, before=dt.date(2026, 3, 2))
    assert [p.day for p in published] == [dt.date(2026, 3, 1)]
    assert audit_verify().ok
    # Rewrite the second event and every hash after it, so the chain itself is consistent.
    prev = records[0].hash
    for record in AuditRecord.objects.filter(seq__gt=records[0].seq).order_by("seq"):
        if record.pk == records[1].pk:
            record.action = "test.thing.rewritten"
        record.prev_hash = prev
        entry = chain.canonical_of(record)
        record.hash = chain.entry_hash(entry)
        _raw(
            "UPDATE audit_auditrecord SET action = %s, prev_hash = %s, hash = %s, entry = %s "
            "WHERE id = %s",
            [record.action, record.prev_hash, record.hash, entry.decode(), record.pk],
        )
        prev = record.hash
    _raw("UPDATE audit_auditchainhead SET hash = %s WHERE id = 1", [prev])
    report = audit_verify()
    assert [f.kind for f in report.findings] == ["root"]
    assert "2026-03-01" in report.findings[0].detail
