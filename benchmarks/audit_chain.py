"""Audit chain: write throughput on PostgreSQL and verification of a long log.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portline_audit_bench \\
        .venv/bin/python benchmarks/audit_chain.py [--events 10000000] [--writes 20000]

Uses (and resets) the audit table of that database: give it a database of its own.
Figures, each beside its baseline measured in the same run:
- events written per second, each in its own transaction, by `audit_record` (hash chain,
  head row lock) and by the current append-only writer it replaced (the same insert without
  the chain, into a table of the old shape with the same triggers and indexes); one writer
  and four concurrent writers;
- verification of EVENTS chained events (generated here: precomputed chain rows loaded with
  COPY, spread over 30 days), streamed through a server-side cursor, beside a plain streaming
  read of the same rows with no checks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from portline.audit import chain  # noqa: E402
from portline.audit.selectors import audit_verify  # noqa: E402
from portline.audit.services import audit_record  # noqa: E402

# The writer before the chain (portline/audit/services.py before the hash chain), against a
# table of the old shape. -----------------------------------------------------------------


class BaselineAuditRecord(models.Model):
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True)
    actor_role = models.CharField(max_length=20, blank=True, default="")
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        app_label = "audit"
        db_table = "bench_audit_baseline"
        managed = False
        indexes = [models.Index(fields=["target_type", "target_id"], name="bench_base_target")]

    def __str__(self) -> str:
        return self.action


def baseline_record(*, actor, action, target=None, data=None):
    """The current append-only writer: one INSERT, in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("inside transaction.atomic() only")
    from portline.common import clock

    return BaselineAuditRecord.objects.create(
        at=clock.now(),
        actor_id=None,
        actor_role="system",
        action=action,
        target_type="",
        target_id="",
        data=data or {},
    )


def reset_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_audit_baseline")
    with connection.schema_editor() as editor:
        editor.create_model(BaselineAuditRecord)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER bench_no_update BEFORE UPDATE OR DELETE ON bench_audit_baseline "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE audit_auditrecord RESTART IDENTITY")
        cursor.execute("TRUNCATE audit_auditdayroot")
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_auditchainhead")


def write_rate(writer, *, events: int, threads: int, per_transaction: int = 1) -> float:
    per = events // threads // per_transaction * per_transaction
    barrier = threading.Barrier(threads + 1)

    def work(number: int) -> None:
        barrier.wait()
        for start in range(0, per, per_transaction):
            with transaction.atomic():
                for n in range(start, start + per_transaction):
                    writer(actor=None, action="bench.event.write", data={"writer": number, "n": n})
        connection.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    return per * threads / (time.perf_counter() - start)


# A long chain, precomputed and loaded with COPY ------------------------------------------

_INDEXES = ("audit_auditrecord_at_", "audit_auditrecord_action_", "audit_audit_target__")


def load_chain(events: int, *, days: int = 30) -> float:
    """Generate `events` chained events over `days` days and COPY them in. Secondary indexes
    are dropped for the load and rebuilt after (as a bulk restore would)."""
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditrecord' "
            "AND indexname NOT LIKE '%%pkey'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'ALTER TABLE audit_auditrecord DROP CONSTRAINT IF EXISTS "{name}"')
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("SET synchronous_commit = off")
    first_day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    step_us = days * 86_400_000_000 // events
    prev = chain.GENESIS
    sha256 = hashlib.sha256
    actions = [
        "registrations.registration.submit",
        "inspection.decision.record",
        "appointments.appointment.confirm",
    ]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY audit_auditrecord (at, actor_id, actor_role, action, target_type, target_id, "
            "data, seq, prev_hash, hash, entry) FROM STDIN"
        ) as copy,
    ):
        lines: list[str] = []
        for seq in range(1, events + 1):
            at = first_day + dt.timedelta(microseconds=seq * step_us)
            at_text = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            action = actions[seq % 3]
            target = str(seq // 3)
            data = '{"changed":["status"],"registration":%d}' % (seq // 3)  # noqa: UP031
            entry = (
                f'{{"action":"{action}","actor":{seq % 97},"actor_role":"officer",'
                f'"at":"{at_text}","data":{data},"prev":"{prev}","seq":{seq},'
                f'"target_id":"{target}","target_type":"registrations.registration","v":1}}'
            )
            digest = sha256(entry.encode()).hexdigest()
            lines.append(
                f"{at_text}\t{seq % 97}\tofficer\t{action}\tregistrations.registration\t"
                f"{target}\t{data}\t{seq}\t{prev}\t{digest}\t{entry}\n"
            )
            prev = digest
            if len(lines) >= 20_000:
                copy.write("".join(lines))
                lines = []
                if seq % 1_000_000 < 20_000:
                    print(f"  generated {seq:,} events", flush=True)
        if lines:
            copy.write("".join(lines))
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute(
            "INSERT INTO audit_auditchainhead (id, seq, hash, at) VALUES (1, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, at = EXCLUDED.at",
            [events, prev, first_day + dt.timedelta(microseconds=events * step_us)],
        )
        cursor.execute("ANALYZE audit_auditrecord")
    return time.perf_counter() - start


def plain_read() -> tuple[int, float]:
    """The floor: stream every row through a server-side cursor, check nothing."""
    start = time.perf_counter()
    count = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute("SELECT id, seq, prev_hash, hash, entry FROM audit_auditrecord ORDER BY seq")
        while batch := cursor.fetchmany(20_000):
            count += len(batch)
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--writes", type=int, default=20_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep a chain loaded by a previous run"
    )
    parser.add_argument("--skip-verify", action="store_true", help="measure the writes only")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run against PostgreSQL: DATABASE_URL=postgres://.../portline_audit_bench")
    call_command("migrate", "audit", verbosity=0)
    print(
        f"audit chain benchmark on PostgreSQL ({connection.settings_dict['NAME']}); "
        "machine shared with other workloads: times are upper bounds"
    )
    if not args.reuse:
        reset_tables()
        print(f"loading {args.events:,} chained events with COPY ...", flush=True)
        seconds = load_chain(args.events)
        print(f"  loaded in {seconds:.1f} s")
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_audit_baseline")
        with connection.schema_editor() as editor:
            editor.create_model(BaselineAuditRecord)

    count = 0
    if not args.skip_verify:
        count, seconds = plain_read()
        print(f"\nverification of {count:,} events")
        print(
            f"  baseline  plain streaming read, no checks: {seconds:6.1f} s ({count / seconds:,.0f} rows/s)"
        )
        start = time.perf_counter()
        report = audit_verify(
            progress=lambda n: print(f"    {n:,}", flush=True) if n % 2_000_000 == 0 else None
        )
        seconds = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        verdict = "OK" if report.ok else f"{len(report.findings)} findings"
        print(
            f"  portline  audit verify (chain, entries, {len(report.days)} day trees): {seconds:6.1f} s "
            f"({report.events / seconds:,.0f} events/s), {verdict}, peak RSS {rss:,.0f} MB"
        )
        print(f"  target: {count:,} events within 60 s -> {'met' if seconds <= 60 else 'NOT met'}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM audit_auditchainhead WHERE id = 1")
        head = cursor.fetchone()
    before = head[0] if head else 0
    print(f"\nwrites inside transactions (the log holds {before:,} events)")
    for threads, per_transaction in ((1, 1), (4, 1), (1, 10), (4, 10), (1, 100)):
        events = args.writes if per_transaction > 1 else max(args.writes // 5, 400)
        base = write_rate(
            baseline_record, events=events, threads=threads, per_transaction=per_transaction
        )
        chained = write_rate(
            audit_record, events=events, threads=threads, per_transaction=per_transaction
        )
        print(
            f"  {threads} writer(s), {per_transaction:3} event(s)/transaction, {events:,} events: "
            f"baseline current append-only writer {base:8,.0f} events/s | "
            f"portline hash chain {chained:8,.0f} events/s ({chained / base:.0%} of baseline)",
            flush=True,
        )
    # The events just written by concurrent writers: no fork, no gap, every link and entry right.
    from portline.audit.selectors import audit_rows

    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditrecord WHERE seq = %s", [before])
        found = cursor.fetchone()
    prev = found[0] if found else chain.GENESIS
    tail = list(audit_rows(seq_from=before + 1))
    intact = True
    for row in tail:
        intact &= (
            row.prev == prev
            and row.content_ok
            and row.entry_seq == row.seq
            and hashlib.sha256(row.entry).hexdigest() == row.hash
        )
        prev = row.hash
    numbers = [row.seq for row in tail]
    contiguous = numbers == list(range(before + 1, before + 1 + len(tail)))
    print(
        f"\nthe {len(tail):,} events written here: "
        f"{'no gap, no duplicate' if contiguous else 'GAPS OR DUPLICATES'}, "
        f"links, entries and hashes {'all intact' if intact else 'NOT intact'}"
    )


if __name__ == "__main__":
    main()
