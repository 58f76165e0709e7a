"""Audit chain: write throughput on PostgreSQL and verification of a long log.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portline_audit_bench \\
        .venv/bin/python benchmarks/audit_chain.py [--events 10000000] [--writes 20000] \\
        [--baseline-events 1000000] [--writers 8]

Uses (and resets) the audit table of that database: give it a database of its own.
Figures, each beside its baselines measured in the same run:
- events written per second inside transactions by concurrent writer *processes*, with 1
  and 10 events per transaction: `audit_record` (unchained insert; the sequencer chains
  after commit, and the figure counts until every event is chained) beside two baselines
  on tables of their own with the same triggers and indexes: the head-locked chain writer
  it replaced (`UPDATE` of the chain head row, held until commit) and the plain append-only
  insert with no chain at all;
- verification of EVENTS chained events (generated here: precomputed chain rows loaded with
  COPY, spread over 30 days) by `audit verify` (the fast scan, one process per core) beside
  the full engine that verified before it (`verification.verify_rows` over the database's
  column check), timed on the first BASELINE_EVENTS events of the same log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

import audit_scan_before  # noqa: E402  (benchmarks/, beside this script)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from portline.audit import chain  # noqa: E402
from portline.audit.selectors import _published, audit_rows, audit_verify  # noqa: E402
from portline.audit.services import (  # noqa: E402
    audit_chain_follow,
    audit_chain_pending,
    audit_record,
)
from portline.audit.verification import verify_rows  # noqa: E402
from portline.common import clock  # noqa: E402

# The writers this one is measured against, on tables of their own. ----------------------

_BASE_INSERT = (
    "INSERT INTO {table} (at, actor_id, actor_role, action, target_type, target_id, data, "
    "seq, prev_hash, hash, entry) VALUES (%s, NULL, 'system', %s, '', '', %s::jsonb, "
    "{seq}, %s, %s, %s)"
)


def append_only_record(*, actor, action, target=None, data=None):
    """Baseline 1, the plain append-only writer (no chain): one INSERT."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("inside transaction.atomic() only")
    with connection.cursor() as cursor:
        cursor.execute(
            _BASE_INSERT.format(table="bench_audit_plain", seq="NULL"),
            [clock.now(), action, json.dumps(data or {}), "", "", ""],
        )


def head_locked_record(*, actor, action, target=None, data=None):
    """Baseline 2, the chain writer before the sequencer: take the head row (locked until
    commit), insert the chained row, move the head."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("inside transaction.atomic() only")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bench_audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, at"
        )
        seq, prev, head_at = cursor.fetchone()
        now = clock.now()
        if head_at is not None:
            now = max(now, head_at)
        data_json = chain.canonical_data(chain.stored_data(data))
        entry = chain.canonical(
            seq=seq,
            prev=prev,
            at=chain.format_at(now),
            actor=None,
            actor_role="system",
            action=action,
            target_type="",
            target_id="",
            data_json=data_json,
        )
        digest = chain.entry_hash(entry)
        cursor.execute(
            _BASE_INSERT.format(table="bench_audit_headlocked", seq="%s"),
            [now, action, data_json, seq, prev, digest, entry.decode()],
        )
        cursor.execute("UPDATE bench_audit_head SET hash = %s, at = %s WHERE id = 1", [digest, now])


def reset_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE audit_auditrecord RESTART IDENTITY")
        cursor.execute("TRUNCATE audit_auditdayroot")
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_auditchainhead")
    reset_baseline_tables()


def reset_baseline_tables() -> None:
    with connection.cursor() as cursor:
        for table in ("bench_audit_plain", "bench_audit_headlocked", "bench_audit_head"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        for table in ("bench_audit_plain", "bench_audit_headlocked"):
            cursor.execute(
                f"CREATE TABLE {table} (LIKE audit_auditrecord INCLUDING DEFAULTS "
                "INCLUDING INDEXES INCLUDING IDENTITY)"
            )
            cursor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )
        cursor.execute("CREATE TABLE bench_audit_head (LIKE audit_auditchainhead INCLUDING ALL)")
        cursor.execute(
            "INSERT INTO bench_audit_head (id, seq, hash, at) VALUES (1, 0, %s, NULL)",
            [chain.GENESIS],
        )


def _writer_process(writer, number, per, per_transaction, barrier) -> None:
    from django.db.backends.postgresql.base import DatabaseWrapper

    # A pool inherited through fork has no threads to serve it: this process makes its own.
    DatabaseWrapper._connection_pools.clear()
    barrier.wait()
    for start in range(0, per, per_transaction):
        with transaction.atomic():
            for n in range(start, start + per_transaction):
                writer(actor=None, action="bench.event.write", data={"writer": number, "n": n})
    connection.close()


def _sequencer_process(stop) -> None:
    from django.db.backends.postgresql.base import DatabaseWrapper

    DatabaseWrapper._connection_pools.clear()
    audit_chain_follow(interval=0.05, stop=stop.is_set)
    connection.close()


def write_rate(
    writer, *, events: int, processes: int, per_transaction: int = 1, follow: bool = False
) -> float:
    """Events per second from the common start until the last writer is done (and, for
    `audit_record`, until the sequencer has chained every event). `follow`: writers skip
    the post-commit pass and a sequencer process (`audit chain --follow`) chains."""
    per = events // processes // per_transaction * per_transaction
    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    settings.PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = not follow  # inherited by the children
    stop = context.Event()
    sequencer = context.Process(target=_sequencer_process, args=(stop,)) if follow else None
    barrier = context.Barrier(processes + 1)
    workers = [
        context.Process(target=_writer_process, args=(writer, n, per, per_transaction, barrier))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    if sequencer is not None:
        sequencer.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a writer failed (exit code {worker.exitcode})")
    committed = time.perf_counter() - start
    if sequencer is not None:
        stop.set()
        sequencer.join()
    settings.PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = True
    if writer is audit_record:
        audit_chain_pending()  # whatever the writers' own post-commit passes left
    total = time.perf_counter() - start
    if writer is audit_record:
        print(
            f"      (all committed after {committed:.1f} s: {per * processes / committed:,.0f}/s;"
            f" all chained after {total:.1f} s)",
            flush=True,
        )
    return per * processes / total


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
    day_done, day_text = -1, ""
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
            # The time as text from whole microseconds (datetime arithmetic and strftime
            # were most of the generation's time): the date once a day, then divmod.
            day_index, micros = divmod(seq * step_us, 86_400_000_000)
            if day_index != day_done:
                day_done = day_index
                day_text = (first_day + dt.timedelta(days=day_index)).strftime("%Y-%m-%d")
            seconds, micro = divmod(micros, 1_000_000)
            minutes, second = divmod(seconds, 60)
            hour, minute = divmod(minutes, 60)
            at_text = f"{day_text}T{hour:02d}:{minute:02d}:{second:02d}.{micro:06d}Z"
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


def _scan_module(path: Path):
    """A fast scan kept in a file of its own (registered as a module, so that the ranges'
    results pickle back from the child processes)."""
    spec = importlib.util.spec_from_file_location(f"also_scan_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"not a Python file: {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def engine_baseline(events: int) -> tuple[int, float]:
    """The verifier before the fast scan: the full engine over the database's column check,
    on the first `events` events."""
    start = time.perf_counter()
    with transaction.atomic():
        report = verify_rows(audit_rows(seq_to=events), published=_published())
    return report.events, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--writes", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=8, help="concurrent writer processes")
    parser.add_argument(
        "--baseline-events",
        type=int,
        default=1_000_000,
        help="events the full engine (the verification baseline) checks",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep a chain loaded by a previous run"
    )
    parser.add_argument(
        "--workers-verify",
        type=int,
        default=None,
        help="processes for both fast scans (default: one per core)",
    )
    parser.add_argument(
        "--also-scan",
        type=Path,
        default=None,
        metavar="FILE",
        help="also time the fast scan in FILE (a copy of an earlier portline/audit/scan.py, "
        "e.g. from `git show REV:portline/audit/scan.py`) beside `audit verify`, alternated",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="times `audit verify` (and the --also-scan scan before it) runs",
    )
    parser.add_argument("--skip-writes", action="store_true", help="measure verification only")
    parser.add_argument("--skip-verify", action="store_true", help="measure the writes only")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run against PostgreSQL: DATABASE_URL=postgres://.../portline_audit_bench")
    call_command("migrate", verbosity=0)
    print(
        f"audit chain benchmark on PostgreSQL ({connection.settings_dict['NAME']}), "
        f"{os.cpu_count()} cores; machine shared with other workloads: times are upper bounds"
    )
    if not args.reuse:
        reset_tables()
        print(f"loading {args.events:,} chained events with COPY ...", flush=True)
        seconds = load_chain(args.events)
        print(f"  loaded in {seconds:.1f} s")
    else:
        reset_baseline_tables()

    if not args.skip_verify:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_auditrecord WHERE seq IS NOT NULL")
            count = cursor.fetchone()[0]
        print(f"\nverification of {count:,} events")
        base_events, base_seconds = engine_baseline(min(args.baseline_events, count))
        print(
            f"  baseline  full engine (the verifier before the fast scan), first "
            f"{base_events:,} events: {base_seconds:6.1f} s ({base_events / base_seconds:,.0f} "
            f"events/s; {count / (base_events / base_seconds):,.0f} s for all {count:,} at "
            "that rate)",
            flush=True,
        )

        def timed_scan(module):
            """The module's scan over the whole log: (its answer, seconds)."""
            start = time.perf_counter()
            answer = module.scan(published=_published(), workers=args.workers_verify)
            return answer, time.perf_counter() - start

        before, before_seconds = timed_scan(audit_scan_before)
        print(
            f"  baseline  previous fast scan ({args.workers_verify or os.cpu_count()} processes), all "
            f"{count:,} events: {before_seconds:6.1f} s ({count / before_seconds:,.0f} events/s), "
            f"{'OK' if before is not None else 'NOT OK'}, load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        other = _scan_module(args.also_scan) if args.also_scan else None
        for _round in range(args.rounds):
            other_seconds = None
            if other is not None:
                other_report, other_seconds = timed_scan(other)
                print(
                    f"  {args.also_scan} ({args.workers_verify or os.cpu_count()} processes), all "
                    f"{count:,} events: {other_seconds:6.1f} s, "
                    f"{'OK' if other_report is not None else 'NOT OK'} (load average "
                    f"{os.getloadavg()[0]:.2f})",
                    flush=True,
                )
            start = time.perf_counter()
            report = audit_verify(
                workers=args.workers_verify,
                progress=lambda n: print(f"    {n:,}", flush=True) if n % 2_097_152 == 0 else None,
            )
            seconds = time.perf_counter() - start
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            verdict = "OK" if report.ok else f"{len(report.findings)} findings"
            beside = f"{other_seconds / seconds:.2f}x {args.also_scan}, " if other_seconds else ""
            print(
                f"  portline  audit verify (fast scan, {args.workers_verify or os.cpu_count()} "
                f"processes; chain, entries, columns, {len(report.days)} day trees): "
                f"{seconds:6.1f} s ({report.events / seconds:,.0f} events/s; {beside}"
                f"{before_seconds / seconds:.2f}x the previous fast scan, "
                f"{base_seconds / base_events * report.events / seconds:.1f}x the full engine), "
                f"{verdict}, peak RSS {rss:,.0f} MB (largest child {children:,.0f} MB), load "
                f"average {os.getloadavg()[0]:.2f}"
            )
            print(
                "  target: 10,000,000 events within 60 s -> "
                + (
                    f"not measured ({report.events:,} events here)"
                    if report.events < 10_000_000
                    else ("met" if seconds <= 60 else "NOT met")
                ),
                flush=True,
            )

    if args.skip_writes:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM audit_auditchainhead WHERE id = 1")
        head = cursor.fetchone()
    before = head[0] if head else 0
    print(f"\nwrites inside transactions by concurrent processes (the log holds {before:,} events)")
    best = 0.0
    for processes, per_transaction in ((1, 1), (args.writers, 1), (args.writers, 10)):
        events = args.writes if per_transaction > 1 else max(args.writes // 4, 400)
        rates = {
            name: write_rate(
                writer,
                events=events,
                processes=processes,
                per_transaction=per_transaction,
                follow=follow,
            )
            for name, writer, follow in (
                ("plain", append_only_record, False),
                ("locked", head_locked_record, False),
                ("commit", audit_record, False),
                ("follow", audit_record, True),
            )
        }
        best = max(best, rates["commit"], rates["follow"])
        print(
            f"  {processes} writer(s), {per_transaction:2} event(s)/transaction, {events:,} "
            f"events:\n    baseline head-locked chain      {rates['locked']:7,.0f}/s\n"
            f"    baseline append-only, no chain  {rates['plain']:7,.0f}/s\n"
            f"    portline, post-commit pass      {rates['commit']:7,.0f}/s "
            f"({rates['commit'] / rates['locked']:.1f}x the head-locked chain)\n"
            f"    portline, sequencer process     {rates['follow']:7,.0f}/s "
            f"({rates['follow'] / rates['locked']:.1f}x the head-locked chain)",
            flush=True,
        )
    print(
        f"  target: 3,000 events/s -> {'met' if best >= 3000 else 'NOT met'} (best {best:,.0f}/s)"
    )
    # The events just written by concurrent writers: no fork, no gap, every link and entry right.
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditrecord WHERE seq = %s", [before])
        found = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM audit_auditrecord WHERE seq IS NULL")
        unchained = cursor.fetchone()[0]
    prev = found[0] if found else chain.GENESIS
    tail = list(audit_rows(seq_from=before + 1, in_database=False))
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
        f"links, entries and hashes {'all intact' if intact else 'NOT intact'}, "
        f"{unchained} left unchained"
    )


if __name__ == "__main__":
    main()
