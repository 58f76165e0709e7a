"""The fast scan (PostgreSQL: ranges of the chain checked side by side) agrees with the full
engine on an intact log, whatever the range size, and hands every tampered log back to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from freezegun import freeze_time

from portline.audit import scan
from portline.audit.maintenance import append_only_suspended
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
