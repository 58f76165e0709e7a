"""The fast scan (PostgreSQL: ranges of the chain checked side by side) agrees with the full
engine on an intact log, whatever the range size, and hands every tampered log back to it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from itertools import pairwise

import pytest
from django.db import connection, transaction
from freezegun import freeze_time

from portline.audit import scan
from portline.audit.maintenance import append_only_suspended
from portline.audit.models import AuditChainHead
from portline.audit.selectors import _published, audit_rows, audit_verify
from portline.audit.services import audit_chain_pending, audit_days_publish, audit_record
from portline.audit.verification import verify_rows

DAYS = (("2026-03-01", 5), ("2026-03-02", 1), ("2026-03-03", 9), ("2026-03-04", 4))


def _log() -> None:
    for day, count in DAYS:
        with freeze_time(f"{day} 12:00:00"):
            for n in range(count):
                with transaction.atomic():
                    audit_record(actor=None, action="test.thing.do", data={"n": n, "d": day})
    with freeze_time("2026-03-04 01:00:00"):
        audit_days_publish(actor=None, before=dt.date(2026, 3, 4))
    audit_chain_pending()


def _engine():
    return verify_rows(audit_rows(in_database=False), published=_published())


def _postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL run of the suite only (DATABASE_URL=postgres://...)")


@pytest.mark.django_db
def test_every_range_size_gives_the_engines_days_and_roots():
    _postgres()
    _log()
    full = _engine()
    assert full.ok and len(full.days) == 4
    for level in range(5):
        fast = scan.scan(published=_published(), level=level, workers=1)
        assert fast is not None, level
        assert fast.events == full.events
        assert fast.days == full.days, level


def test_the_last_whole_ranges_are_cut_in_four_each_at_a_multiple_of_its_size():
    assert scan._ranges(19, 2, 1) == [
        (1, 2),
        (5, 2),
        (9, 2),
        (13, 0),
        (14, 0),
        (15, 0),
        (16, 0),
        (17, 2),
    ]
    assert scan._ranges(16, 2, 2) == [(1, 2), (5, 2)] + [(9 + n, 0) for n in range(8)]
    assert scan._ranges(40, 3, 9) == [(1 + 2 * n, 1) for n in range(20)]
    assert scan._ranges(5, 1, 2) == [(1, 1), (3, 1), (5, 1)]
    for high, level, workers in ((19, 2, 1), (1000, 5, 2), (10_000_000, 19, 2)):
        ranges = scan._ranges(high, level, workers)
        starts = [start for start, _size in ranges]
        assert starts == sorted(starts) and starts[0] == 1
        assert all((start - 1) % (1 << size) == 0 for start, size in ranges)
        assert all(b[0] == a[0] + (1 << a[1]) for a, b in pairwise(ranges))
        assert ranges[-1][0] <= high < ranges[-1][0] + (1 << ranges[-1][1])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ranges_checked_in_child_processes_in_one_snapshot():
    _postgres()
    _log()
    full = _engine()
    for level in (1, 2, 3):
        fast = scan.scan(published=_published(), level=level, workers=2)
        assert fast is not None and fast.days == full.days, level
    # A tampered row in a range a child reads: the scan gives up and the engine names it.
    with append_only_suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET action = 'test.thing.undo' WHERE seq = 11")
    assert scan.scan(published=_published(), level=2, workers=2) is None
    assert [(f.kind, f.seq) for f in audit_verify(workers=2).findings] == [("modified", 11)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditrecord SET target_id = 'x' WHERE seq = 3",
        """UPDATE audit_auditrecord SET data = '{"n": 9, "d": "2026-03-01"}' WHERE seq = 3""",
        "UPDATE audit_auditrecord SET prev_hash = repeat('c', 64) WHERE seq = 4",
        "UPDATE audit_auditrecord SET at = at + interval '1 microsecond' WHERE seq = 5",
        "UPDATE audit_auditrecord SET actor_role = 'officer' WHERE seq = 2",
        "UPDATE audit_auditrecord SET entry = '{not json' WHERE seq = 3",
        "UPDATE audit_auditrecord SET hash = repeat('a', 64) WHERE seq = 3",
        "DELETE FROM audit_auditrecord WHERE seq = 7",
        "UPDATE audit_auditrecord SET seq = 100 WHERE seq = 7",
        "UPDATE audit_auditchainhead SET hash = repeat('b', 64)",
        "DELETE FROM audit_auditrecord WHERE seq = (SELECT max(seq) FROM audit_auditrecord)",
        "UPDATE audit_auditchainhead SET seq = seq + 1",
        "UPDATE audit_auditrecord SET seq = 0 WHERE seq = 1",
    ],
)
def test_any_tampering_sends_the_log_to_the_engine(sql):
    _postgres()
    _log()
    with append_only_suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql)
    assert scan.scan(published=_published(), level=2, workers=1) is None
    assert not audit_verify().ok


@pytest.mark.django_db
def test_an_event_numbered_past_the_chain_head_is_not_passed_as_intact():
    """The scan reads the numbers up to the chain head's; a row numbered after it must still
    make it give up, and the full engine names the events after the head."""
    _postgres()
    _log()
    with append_only_suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditchainhead SET seq = seq - 1")
    assert scan.scan(published=_published(), level=2, workers=1) is None
    assert [f.kind for f in audit_verify().findings] == ["inserted"]


@pytest.mark.django_db
def test_text_the_database_renders_differently_is_checked_again_in_python():
    """to_json leaves non-ASCII text as it is, the canonical form escapes it: the database
    finds those rows different, Python finds them intact, and the scan still says intact."""
    _postgres()
    _log()
    with transaction.atomic():
        audit_record(actor=None, action="test.thing.d\u00f6", data={"name": "Jos\u00e9 \u00c7elik"})
    audit_chain_pending()
    full = _engine()
    assert full.ok
    fast = scan.scan(published=_published(), level=2, workers=1)
    assert fast is not None and fast.days == full.days


def _full():
    """The full engine as `audit verify` runs it when the fast scan gives up."""
    head = AuditChainHead.objects.get(pk=1)
    return verify_rows(audit_rows(), published=_published(), head_seq=head.seq, head_hash=head.hash)


def _last() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, entry FROM audit_auditrecord ORDER BY seq DESC LIMIT 1")
        return cursor.fetchone()


def _log_and_one_more(data: dict) -> None:
    """The log, then one event of this test's own as the last (the day's publishing is an
    event too)."""
    _log()
    with freeze_time("2026-03-04 13:00:00.123456"), transaction.atomic():
        audit_record(actor=None, action="test.thing.do", data=data)
    audit_chain_pending()


def _rewrite_last(entry: str) -> int:
    """Put another entry on the last event, hashed as an operator would (and the chain head
    with it), so that only the column check can tell."""
    seq, _old = _last()
    digest = hashlib.sha256(entry.encode("utf-8")).hexdigest()
    with append_only_suspended(connection), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditrecord SET entry = %s, hash = %s WHERE seq = %s",
            [entry, digest, seq],
        )
        cursor.execute("UPDATE audit_auditchainhead SET hash = %s", [digest])
    return seq


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        "action = 'test.thing.undo'",
        "action = 'test.thing.d\"o'",
        "action = 'test.thing.d\\o'",
        "action = E'test.thing.do\\n'",
        "action = E'test.thing.do\\x01'",
        "action = 'test.thing.d\u00f6'",
        "actor_id = 1",
        "actor_role = 'officer'",
        "actor_role = 'system '",
        "at = at + interval '1 microsecond'",
        "at = at - interval '1 microsecond'",
        "at = at + interval '1 hour'",
        "at = (at AT TIME ZONE 'UTC') AT TIME ZONE 'America/New_York'",
        "target_id = 'x'",
        "target_id = E'\\t'",
        "target_type = 'audit.auditrecord'",
        "target_type = '\"'",
        """data = '{"n": 9, "d": "2026-03-04"}'""",
        """data = '{"n": 3, "d": "2026-03-04 "}'""",
        """data = '{"n": 3, "d": "2026-03-04", "e": null}'""",
        """data = '{"n": 3, "d": "2026-03-0\\u0034\\n"}'""",
        """data = '{"n": 3, "d": "2026-03-04\\"\\\\"}'""",
        """data = '{"n": 3, "d": "2026-03-04\u00e9"}'""",
        """data = '{"n": "3", "d": "2026-03-04"}'""",
        """data = '{"n": 3}'""",
        """data = '{}'""",
        """data = '[]'""",
    ],
)
@pytest.mark.parametrize("where", ["seq = 3", "seq = (SELECT max(seq) FROM audit_auditrecord)"])
def test_a_tampered_column_makes_the_scan_give_up_and_the_engine_name_it(change, where):
    _postgres()
    _log()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq FROM audit_auditrecord WHERE {where}")  # noqa: S608 - fixed text
        (seq,) = cursor.fetchone()
    with append_only_suspended(connection), connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditrecord SET {change} WHERE seq = %s", [seq])  # noqa: S608 - fixed text
    assert scan.scan(published=_published(), level=2, workers=1) is None
    assert [(f.kind, f.seq) for f in audit_verify().findings] == [("modified", seq)]


def _at(entry: str) -> str:
    return json.loads(entry)["at"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "rewrite",
    [
        lambda e: e.replace(f'"at":"{_at(e)}"', f'"at":"{_at(e)[:-1]}+00:00"'),
        lambda e: e.replace(f'"at":"{_at(e)}"', f'"at":"{_at(e)[:19]}Z"'),
        lambda e: e.replace(f'"at":"{_at(e)}"', f'"at":"{_at(e)[:19]}.0Z"'),
        lambda e: e.replace(f'"at":"{_at(e)}"', f'"at":"{_at(e)[:10]} {_at(e)[11:]}"'),
        lambda e: e.replace(f'"at":"{_at(e)}"', f'"at":"{_at(e)[:-2]}7Z"'),
        lambda e: e.replace('"action":"test.thing.do"', '"action":"test.thing.d\\u006f"'),
        lambda e: e.replace('"action":"test.thing.do"', '"action": "test.thing.do"'),
        lambda e: e.replace('"actor":null', '"actor":0'),
        lambda e: e.replace(',"v":1}', ',"v":1} '),
        lambda e: e.replace('"target_id":"', '"target_id":"x'),
    ],
)
def test_an_entry_in_another_form_makes_the_scan_give_up_and_the_engine_name_it(rewrite):
    """An entry rewritten (and hashed, with the chain head) to text that reads the same to a
    lenient parser but is not the canonical form of the columns."""
    _postgres()
    _log_and_one_more({"n": 3, "d": "2026-03-04"})
    _seq, entry = _last()
    assert json.loads(entry)["action"] == "test.thing.do"
    assert _at(entry) == "2026-03-04T13:00:00.123456Z"
    rewritten = rewrite(entry)
    assert rewritten != entry
    seq = _rewrite_last(rewritten)
    assert scan.scan(published=_published(), level=2, workers=1) is None
    assert [(f.kind, f.seq) for f in audit_verify().findings] == [("modified", seq)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "rewrite"),
    [
        (
            {"n": 1, "d": "x"},
            lambda e: e.replace('"data":{"d":"x","n":1}', '"data":{"n":1,"d":"x"}'),
        ),
        (
            {"n": 1, "d": "x"},
            lambda e: e.replace('"data":{"d":"x","n":1}', '"data":{"d": "x","n":1}'),
        ),
        (
            {"n": 1, "d": "x"},
            lambda e: e.replace('"data":{"d":"x","n":1}', '"data":{"d":"x","n":1.0}'),
        ),
        (
            {"n": 1, "d": "x"},
            lambda e: e.replace('"data":{"d":"x","n":1}', '"data":{"d":"\\u0078","n":1}'),
        ),
        ({"n": 1, "d": "\u00e9"}, lambda e: e.replace("\\u00e9", "\u00e9")),
    ],
)
def test_a_data_part_the_database_reads_as_the_same_json_is_judged_alike_by_both(data, rewrite):
    """Both engines compare the entry's data part with the data column as jsonb (equal JSON
    values), not as text: an entry rewritten (and hashed) to another text of the same value
    passes both, or neither. The fast scan must never pass what the full engine names."""
    _postgres()
    _log_and_one_more(data)
    _seq, entry = _last()
    rewritten = rewrite(entry)
    assert rewritten != entry
    _rewrite_last(rewritten)
    fast = scan.scan(published=_published(), level=2, workers=1)
    assert fast is None or _full().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        """data = '{"n": 3.0, "d": "2026-03-04"}'""",
        """data = '{"d": "2026-03-04", "n": 3}'""",
        """data = '{"n":3,"d":"2026-03-04"}'""",
        """data = '{"n": 3, "d": "2026-03-0\\u0034"}'""",
    ],
)
def test_a_data_column_of_the_same_json_value_never_passes_the_scan_alone(change):
    """A data column rewritten to another text of the same jsonb value (key order and spaces
    are not kept by jsonb; 3.0 and 3 are equal numbers to jsonb): the fast scan passes it
    only where the full engine does."""
    _postgres()
    _log_and_one_more({"n": 3, "d": "2026-03-04"})
    with append_only_suspended(connection), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_auditrecord SET {change} "  # noqa: S608 - fixed text
            "WHERE seq = (SELECT max(seq) FROM audit_auditrecord)"
        )
    fast = scan.scan(published=_published(), level=2, workers=1)
    assert fast is None or _full().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ('test.thing."quoted"', {"say": 'a "quote"'}),
        ("test.thing.back\\slash", {"path": "C:\\temp\\x", "re": "\\d+"}),
        ("test.thing.line\nbreak", {"text": "line\nbreak\ttab\r\x01\x1f\x7f"}),
        ("test.thing.d\u00f6", {"name": "Jos\u00e9 \u00c7elik", "emoji": "\U0001f600"}),
        ("test.thing.do", {"n": 1.5, "big": 10**20, "small": 1e-7, "t": True}),
        ("test.thing.do", {"nested": {"b": [1, {"a": None}], "a": ""}, "": "empty key"}),
    ],
)
def test_entries_with_text_to_escape_are_still_intact(action, data):
    """Entries whose canonical form escapes characters (quotes, backslashes, control
    characters, non-ASCII) or whose data the database renders in another order: the
    database's check may not vouch for them, Python's recheck does, and the scan says intact
    with the full engine's days and roots."""
    _postgres()
    _log()
    with transaction.atomic():
        audit_record(actor=None, action=action, data=data)
    audit_chain_pending()
    full = _engine()
    assert full.ok
    fast = scan.scan(published=_published(), level=2, workers=1)
    assert fast is not None and fast.days == full.days


@pytest.mark.django_db
def test_data_with_a_key_prev_or_data_is_checked_again_and_intact():
    """The data part is cut out of the entry at the first `,"prev":"`: a key "prev" (or
    "data") inside the data cuts it short, the database finds the row different, and the
    recheck in Python finds it intact."""
    _postgres()
    _log_and_one_more({"a": 1, "data": {"b": 2}, "prev": "x", "z": {"prev": "y"}})
    full = _engine()
    assert full.ok
    fast = scan.scan(published=_published(), level=2, workers=1)
    assert fast is not None and fast.days == full.days
