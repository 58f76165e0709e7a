"""Concurrent audit writers: threads, each on its own database connection.

Run by tests on the test database (PostgreSQL) and as a script on a file SQLite database
(`python -m tests.audit.writers`), where the suite's in-memory database cannot show real
locking between connections."""

from __future__ import annotations

import json
import sys
import threading

from django.db import connection, transaction


def hammer(*, threads: int, events: int) -> list[str]:
    """`threads` writers, each writing `events` events (alternately one and three per
    transaction), all released at once, then the sequencer. Returns the errors seen (none
    expected)."""
    from portline.audit.services import audit_chain_pending, audit_record

    errors: list[str] = []
    start = threading.Barrier(threads)

    def writer(number: int) -> None:
        try:
            start.wait()
            written = 0
            while written < events:
                batch = 1 if written % 2 == 0 else min(3, events - written)
                with transaction.atomic():
                    for _ in range(batch):
                        audit_record(
                            actor=None,
                            action="test.writer.write",
                            data={"writer": number, "n": written},
                        )
                        written += 1
        except Exception as exc:  # reported to the test, which fails on any
            errors.append(f"writer {number}: {exc!r}")
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    audit_chain_pending()  # as the worker or a writer's post-commit pass would
    return errors


def hammer_with_sequencers(*, threads: int, events: int, sequencers: int) -> list[str]:
    """`hammer`, with `sequencers` more threads running the sequencer over and over while
    the writers write (as the worker and every writer's post-commit pass do), and a last
    sequencer run once all are done."""
    from portline.audit.services import audit_chain_follow, audit_chain_pending

    errors: list[str] = []
    done = threading.Event()

    def sequencer(number: int) -> None:
        try:
            audit_chain_follow(interval=0.005, stop=done.is_set)
        except Exception as exc:  # reported to the test, which fails on any
            errors.append(f"sequencer {number}: {exc!r}")
        finally:
            connection.close()

    running = [threading.Thread(target=sequencer, args=(n,)) for n in range(sequencers)]
    for thread in running:
        thread.start()
    try:
        errors += hammer(threads=threads, events=events)
    finally:
        done.set()
        for thread in running:
            thread.join()
    audit_chain_pending()
    return errors


def chain_links() -> tuple[list[int], bool, int]:
    """(every seq in order, every prev_hash names the hash before it, unchained rows)."""
    from portline.audit import chain
    from portline.audit.models import AuditRecord

    rows = list(
        AuditRecord.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values_list("seq", "prev_hash", "hash")
    )
    prev, linked = chain.GENESIS, True
    for _seq, prev_hash, digest in rows:
        linked &= prev_hash == prev
        prev = digest
    unchained = AuditRecord.objects.filter(seq__isnull=True).count()
    return [seq for seq, _p, _h in rows], linked, unchained


def main() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "audit", verbosity=0)
    threads, events = int(sys.argv[1]), int(sys.argv[2])
    sequencers = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if len(sys.argv) > 4:  # the post-commit pass on, as in production
        from django.conf import settings

        settings.PORTLINE_AUDIT_CHAIN_AFTER_COMMIT = sys.argv[4] == "after-commit"
    if sequencers:
        errors = hammer_with_sequencers(threads=threads, events=events, sequencers=sequencers)
    else:
        errors = hammer(threads=threads, events=events)
    from portline.audit.models import AuditRecord
    from portline.audit.selectors import audit_verify

    report = audit_verify()
    seqs = list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))
    _seqs, linked, unchained = chain_links()
    sys.stdout.write(
        json.dumps(
            {
                "errors": errors,
                "linked": linked,
                "unchained": unchained,
                "seqs": seqs,
                "findings": [f.line() for f in report.findings],
                "events": report.events,
                "vendor": connection.vendor,
                "transaction_mode": connection.settings_dict["OPTIONS"].get("transaction_mode"),
            }
        )
    )


if __name__ == "__main__":
    main()
