"""Writers append unchained rows; one sequencer at a time chains them.

Many concurrent writers, with sequencers running beside them (several at once, as the
worker, the command and every writer's post-commit pass may), leave one chain: consecutive
numbers from 1, each event committing to the one before, nothing left unchained. The
database allows exactly one change to a row, the chaining fill, and only once."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from freezegun import freeze_time

from portline.audit.models import AuditChainHead, AuditRecord
from portline.audit.selectors import audit_verify
from portline.audit.services import (
    _chain_after_commit,
    audit_chain_pending,
    audit_days_publish,
    audit_record,
)
from tests.audit.writers import chain_links, hammer_with_sequencers

ROOT = Path(__file__).resolve().parents[2]
THREADS, EVENTS, SEQUENCERS = 16, 30, 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("after_commit", [True, False])
def test_many_writers_and_sequencers_on_postgresql_make_one_chain(settings, after_commit):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL run of the suite only (DATABASE_URL=postgres://...)")
    settings.PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = after_commit
    before = AuditRecord.objects.count()
    errors = hammer_with_sequencers(threads=THREADS, events=EVENTS, sequencers=SEQUENCERS)
    assert errors == []
    seqs, linked, unchained = chain_links()
    assert unchained == 0
    assert len(seqs) == before + THREADS * EVENTS
    assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate
    assert linked  # no fork: every event names the one before it
    assert AuditChainHead.objects.get(pk=1).seq == len(seqs)
    report = audit_verify()
    assert report.ok, [f.line() for f in report.findings]


@pytest.mark.slow
def test_many_writers_and_sequencers_on_a_sqlite_file_make_one_chain(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite run of the suite only")
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "PORTLINE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "tests.audit.writers",
            str(THREADS),
            str(EVENTS),
            str(SEQUENCERS),
            "after-commit",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout)
    assert outcome["vendor"] == "sqlite" and outcome["errors"] == []
    assert outcome["seqs"] == list(range(1, THREADS * EVENTS + 1))
    assert outcome["linked"] and outcome["unchained"] == 0
    assert outcome["events"] == THREADS * EVENTS and outcome["findings"] == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_post_commit_pass_chains_each_event_when_its_change_commits(settings):
    settings.PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = True
    with transaction.atomic():
        record = audit_record(actor=None, action="test.thing.do")
        record.refresh_from_db()
        assert record.seq is None  # not before the commit
    record.refresh_from_db()
    assert record.seq is not None and len(record.hash) == 64
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=None, action="test.thing.lost")
        raise ValueError("rolled back: no event, no pass")
    assert not AuditRecord.objects.filter(seq__isnull=True).exists()
    assert audit_verify().ok


@pytest.mark.django_db
def test_an_event_is_written_unchained_and_chained_once():
    with transaction.atomic():
        record = audit_record(actor=None, action="test.thing.do", data={"n": 1})
    assert record.seq is None and record.hash == "" and record.pk is not None
    stored = AuditRecord.objects.get(pk=record.pk)
    assert (stored.seq, stored.entry) == (None, "") and stored.data == {"n": 1}
    # Unchained, the event's own columns are as immutable as a chained event's.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(action="test.thing.undo")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(seq=7, prev_hash="a", hash="b")
    assert audit_chain_pending() == 1
    assert audit_chain_pending() == 0
    stored.refresh_from_db()
    assert stored.seq is not None and len(stored.hash) == 64
    # Chained, nothing may change any more, not even a second fill.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(seq=None, prev_hash="", hash="", entry="")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).delete()
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_event_and_no_gap():
    with transaction.atomic():
        first = audit_record(actor=None, action="test.thing.do")
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=None, action="test.thing.lost")
        raise ValueError("the change fails")
    with transaction.atomic():
        last = audit_record(actor=None, action="test.thing.do")
    audit_chain_pending()
    rows = list(AuditRecord.objects.order_by("seq").values_list("pk", "seq", "action"))
    assert [r[0] for r in rows] == [first.pk, last.pk]
    assert rows[1][1] == rows[0][1] + 1
    assert audit_verify().ok


@pytest.mark.django_db
def test_late_commits_keep_time_running_forward_and_stay_out_of_signed_days():
    with freeze_time("2026-03-01 23:59:59"):
        with transaction.atomic():
            early = audit_record(actor=None, action="test.thing.do")
    with freeze_time("2026-03-02 08:00:00"):
        with transaction.atomic():
            audit_record(actor=None, action="test.thing.do")
        published = audit_days_publish(actor=None, before=dt.date(2026, 3, 2))
    assert [p.day for p in published] == [dt.date(2026, 3, 1)]
    assert published[0].count == 1
    # Committed after 1 March was signed, written (by its clock) on 1 March: it joins the
    # next day, not the signed one.
    with freeze_time("2026-03-01 23:59:59"), transaction.atomic():
        late = audit_record(actor=None, action="test.thing.late")
    audit_chain_pending()
    late.refresh_from_db()
    early.refresh_from_db()
    assert late.at == dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # the last chained time
    assert late.seq > early.seq
    report = audit_verify()
    assert report.ok, [f.line() for f in report.findings]


@pytest.mark.django_db
def test_events_left_unchained_too_long_are_reported():
    with freeze_time("2026-03-01 10:00:00"), transaction.atomic():
        record = audit_record(actor=None, action="test.thing.do")
    with freeze_time("2026-03-01 10:04:00"):
        assert audit_verify(lag_seconds=300).ok  # within the allowed lag
    with freeze_time("2026-03-01 10:06:00"):
        report = audit_verify(lag_seconds=300)
    assert [(f.kind, f.event_id) for f in report.findings] == [("unchained", record.pk)]
    assert report.findings[0].line().startswith(f"UNCHAINED: event id {record.pk}: 1 event(s)")
    audit_chain_pending()
    with freeze_time("2026-03-01 10:06:00"):
        assert audit_verify(lag_seconds=300).ok


def _passes_registered() -> int:
    return sum(func is _chain_after_commit for _sids, func, _robust in connection.run_on_commit)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_pass_after_a_transaction_however_many_events_it_writes(settings):
    settings.PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = True
    with transaction.atomic():
        for n in range(3):
            audit_record(actor=None, action="test.thing.do", data={"n": n})
        assert _passes_registered() == 1
    assert not AuditRecord.objects.filter(seq__isnull=True).exists()

    # The pass registered inside a savepoint that rolls back goes with it; the next event
    # of the transaction registers it again.
    with transaction.atomic():
        try:
            with transaction.atomic():
                audit_record(actor=None, action="test.thing.undo", data={})
                assert _passes_registered() == 1
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert _passes_registered() == 0
        audit_record(actor=None, action="test.thing.redo", data={})
        assert _passes_registered() == 1
    assert not AuditRecord.objects.filter(seq__isnull=True).exists()
    assert not AuditRecord.objects.filter(action="test.thing.undo").exists()
    assert audit_verify().ok
