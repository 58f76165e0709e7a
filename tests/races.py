"""Tries arriving at the same moment, on real threads, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, close_old_connections, connection

from portline.common.errors import Conflict


def race(create: Callable[[int], tuple[Any, bool]], tries: int) -> tuple[list[str], set]:
    """Run `create(n)` for n in range(tries), all at the same moment; a writer that finds the
    database busy tries again, as a client would. Returns the sorted outcomes, one per try
    ("created", "replayed", a refusal's code, "gave up" or "failed"), and the primary keys of
    the rows answered."""
    barrier = threading.Barrier(tries)
    outcomes: list[str] = []
    answered: set = set()
    lock = threading.Lock()

    def run(number: int):
        outcome = "failed"
        try:
            barrier.wait(timeout=20)
            for _attempt in range(200):
                try:
                    row, created = create(number)
                    outcome = "created" if created else "replayed"
                    with lock:
                        answered.add(row.pk)
                    break
                except Conflict as exc:
                    outcome = exc.code
                    break
                except OperationalError as exc:  # SQLite's shared-cache test database
                    if "locked" not in str(exc):
                        raise
            else:
                outcome = "gave up"
        finally:
            with lock:
                outcomes.append(outcome)
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(outcomes), answered
