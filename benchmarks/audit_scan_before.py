"""The fast audit scan as it was before the column check was evaluated once per row and the
hashing went batch by batch: the baseline `benchmarks/audit_chain.py` times beside
`portline.audit.scan`, on the same log in the same run. Kept verbatim (range size 2**20, the
entry parsed as jsonb and compared with jsonb_build_object of the columns, one Python loop
iteration per event); not used by Portline itself.

Original module docstring follows.

Fast verification of an intact chain on PostgreSQL: ranges of `seq` checked side by side.

The chain is cut into ranges of 2**LEVEL events that start at multiples of 2**LEVEL. Each
range is read by its own process (one per core) through a server-side cursor, inside one
exported snapshot, so every process sees the same log. PostgreSQL compares each row's
columns with its entry (jsonb equality, in C, next to the data); Python hashes each entry
with hashlib in a tight loop over plain tuples, checks the links, and builds the Merkle
trees:

- the log tree: a range starts at a multiple of 2**LEVEL, so until it is complete its
  perfect subtrees never merge with those before it. A range hands back its own subtrees at
  each day's end; the parent puts them after the subtrees of the complete ranges before it,
  which is exactly the log tree's frontier at that point (`merkle.RootBuilder`);
- day trees: a day wholly inside a range is finished there; the leaves of a day cut by a
  range boundary go back to the parent, which joins them in order.

Anything out of the ordinary (a link, a hash, a column, a number, a count, the head or a
published root that does not match) makes the scan give up, and the caller runs the full
engine (`verification.verify_rows`), which names each finding. So this module only ever
says "intact", never what is wrong.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

import psycopg
from django.db import connection, connections, transaction

from portline.audit import chain, merkle
from portline.audit.verification import DaySummary, PublishedDay, Report

LEVEL = 20  # 1,048,576 events per range
FETCH = 20_000

# Every column against the entry, and the seq inside the entry against the seq column.
# `entry::jsonb` fails on an entry that is not JSON: the scan then gives up.
_CHECKED = """
SELECT seq, prev_hash, hash, entry,
       (e - 'seq') = jsonb_build_object(
           'action', action, 'actor', actor_id, 'actor_role', actor_role,
           'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'data', data, 'prev', prev_hash, 'target_id', target_id,
           'target_type', target_type, 'v', 1)
       AND e -> 'seq' = to_jsonb(seq),
       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
FROM audit_auditrecord CROSS JOIN LATERAL (SELECT entry::jsonb AS e) AS parsed
WHERE seq >= %s AND seq < %s
ORDER BY seq
"""


class Anomaly(Exception):
    """Something the full engine has to look at."""


@dataclass
class Segment:
    """A run of one day's events inside a range."""

    day: str
    first_seq: int
    last_seq: int
    root: bytes | None  # the day's root, when the day lies wholly inside the range
    leaves: list[bytes] | None  # else its leaves here (first or last run of the range)
    frontier: list[tuple[int, bytes]]  # the range's own log-tree subtrees after the run


@dataclass
class Part:
    start: int
    count: int = 0
    first_prev: str = ""
    last_hash: str = ""
    segments: list[Segment] = field(default_factory=list)


def _node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def _root_of(leaves: list[bytes]) -> bytes:
    builder = merkle.RootBuilder()
    for leaf in leaves:
        builder.append(leaf)
    return builder.root()


def scan_range(raw: Any, start: int, level: int) -> Part:
    """Check the events with seq in [start, start + 2**level) through `raw`, a psycopg
    connection inside the scan's snapshot. Raises Anomaly."""
    part = Part(start=start)
    stack: list[tuple[int, bytes]] = []  # the range's own log tree
    leaves: list[bytes] = []
    day: str | None = None
    first_seq = start
    segments = part.segments
    expect, prev = start, None
    leaf_prefix = sha256(b"\x00")
    try:
        with raw.cursor(name=f"audit_scan_{start}") as cursor:
            cursor.execute(_CHECKED, [start, start + (1 << level)])
            while batch := cursor.fetchmany(FETCH):
                for seq, prev_hash, digest, entry, ok, row_day in batch:
                    if seq != expect or not ok:
                        raise Anomaly(f"seq {seq}")
                    if prev is None:
                        part.first_prev = prev_hash
                    elif prev_hash != prev:
                        raise Anomaly(f"link at seq {seq}")
                    data = entry.encode()
                    if sha256(data).hexdigest() != digest:
                        raise Anomaly(f"hash at seq {seq}")
                    hasher = leaf_prefix.copy()
                    hasher.update(data)
                    leaf = hasher.digest()
                    if row_day != day:
                        if day is not None:
                            first = not segments
                            segments.append(
                                Segment(
                                    day,
                                    first_seq,
                                    seq - 1,
                                    None if first else _root_of(leaves),
                                    leaves if first else None,
                                    list(stack),
                                )
                            )
                        day, first_seq, leaves = row_day, seq, []
                    leaves.append(leaf)
                    height, node = 0, leaf
                    while stack and stack[-1][0] == height:
                        node = sha256(b"\x01" + stack.pop()[1] + node).digest()
                        height += 1
                    stack.append((height, node))
                    prev = digest
                    expect += 1
    except psycopg.Error as exc:  # an entry that is not JSON, for one
        raise Anomaly(str(exc)) from exc
    part.count = expect - start
    if day is not None:
        segments.append(Segment(day, first_seq, expect - 1, None, leaves, list(stack)))
    part.last_hash = prev or ""
    return part


_SNAPSHOT = re.compile(r"^[0-9A-Fa-f-]+$")


def _scan_in_child(args: tuple[int, int, str]) -> Part | str:
    """One range in a child process, on a connection of its own in the parent's snapshot.
    (The connection inherited through fork belongs to the parent and is never touched.)"""
    start, level, snapshot = args
    if not _SNAPSHOT.match(snapshot):
        return "anomaly: snapshot id"
    # A plain connection: a pool inherited through fork has no threads to serve it.
    params = connections.create_connection("default").get_connection_params()
    params.pop("cursor_factory", None)
    try:
        with psycopg.connect(**params) as raw:
            raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            raw.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return scan_range(raw, start, level)
    except Anomaly as exc:
        return f"anomaly: {exc}"


@dataclass
class _Joiner:
    """Puts the ranges' results together in order (the parent's side)."""

    level: int
    published: dict[str, PublishedDay]
    report: Report = field(default_factory=Report)
    outer: list[tuple[int, bytes]] = field(default_factory=list)  # complete ranges
    open_day: str | None = None
    open_first: int = 0
    open_last: int = 0
    open_tree: bytes = b""
    open_leaves: list[bytes] = field(default_factory=list)
    expected_prev: str = chain.GENESIS
    next_start: int = 1

    def tree_root(self, inner: list[tuple[int, bytes]]) -> bytes:
        """The log tree's root: complete ranges' subtrees, then the current range's."""
        stack = [(h + self.level, n) for h, n in self.outer] + inner
        node = stack[-1][1]
        for _height, left in reversed(stack[:-1]):
            node = _node(left, node)
        return node

    def add(self, part: Part) -> None:
        if part.start != self.next_start or part.first_prev != self.expected_prev:
            raise Anomaly(f"range at seq {part.start} does not follow the one before")
        last = len(part.segments) - 1
        for index, segment in enumerate(part.segments):
            tree = self.tree_root(segment.frontier)
            if index == 0 and self.open_day == segment.day:
                assert segment.leaves is not None
                self.open_leaves.extend(segment.leaves)  # the day goes on from the last range
                self.open_last, self.open_tree = segment.last_seq, tree
            else:
                self._close()
                if segment.leaves is None:  # wholly inside this range
                    count = segment.last_seq - segment.first_seq + 1
                    self._summary(
                        segment.day,
                        segment.first_seq,
                        segment.last_seq,
                        count,
                        segment.root or b"",
                        tree,
                    )
                    continue
                self.open_day, self.open_first = segment.day, segment.first_seq
                self.open_leaves = list(segment.leaves)
                self.open_last, self.open_tree = segment.last_seq, tree
            if index < last:  # the day ends inside this range
                self._close()
        if part.count == 1 << self.level:  # complete: one subtree of its own
            ((_height, top),) = part.segments[-1].frontier
            node, height = top, 0
            while self.outer and self.outer[-1][0] == height:
                node = _node(self.outer.pop()[1], node)
                height += 1
            self.outer.append((height, node))
        self.report.events += part.count
        self.expected_prev = part.last_hash
        self.next_start = part.start + part.count

    def _close(self) -> None:
        if self.open_day is None:
            return
        leaves = self.open_leaves
        self._summary(
            self.open_day,
            self.open_first,
            self.open_last,
            len(leaves),
            _root_of(leaves),
            self.open_tree,
        )
        self.open_day, self.open_leaves = None, []

    def _summary(
        self, day: str, first_seq: int, last_seq: int, count: int, root: bytes, tree: bytes
    ) -> None:
        summary = DaySummary(day, first_seq, last_seq, count, root.hex(), last_seq, tree.hex())
        self.report.days.append(summary)
        pub = self.published.get(day)
        if pub is not None and (
            pub.day_root != summary.day_root
            or pub.tree_root != summary.tree_root
            or pub.count != summary.count
        ):
            raise Anomaly(f"published root of {day}")

    def finish(self) -> Report:
        self._close()
        if set(self.published) - {d.day for d in self.report.days}:
            raise Anomaly("a published day has no events")
        return self.report


def scan(
    *,
    published: Iterable[PublishedDay],
    workers: int | None = None,
    level: int = LEVEL,
    progress: Callable[[int], None] | None = None,
) -> Report | None:
    """The whole chain checked fast, or None: something is off (or this is not PostgreSQL),
    run the full engine."""
    if connection.vendor != "postgresql":
        return None
    workers = workers or os.cpu_count() or 1
    joiner = _Joiner(level=level, published={p.day: p for p in published})
    nested = connection.in_atomic_block  # inside a caller's transaction: no snapshot of ours
    try:
        return _scan(joiner, workers=workers, level=level, progress=progress, nested=nested)
    except Anomaly:  # raised through the transaction, which rolls back
        return None


def _scan(
    joiner: _Joiner,
    *,
    workers: int,
    level: int,
    progress: Callable[[int], None] | None,
    nested: bool,
) -> Report | None:
    with transaction.atomic(), connection.cursor() as cursor:
        snapshot = ""
        if not nested:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        cursor.execute("SELECT seq, hash FROM audit_auditchainhead WHERE id = 1")
        head = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), coalesce(min(seq), 1), coalesce(max(seq), 0) "
            "FROM audit_auditrecord WHERE seq IS NOT NULL"
        )
        count, low, high = cursor.fetchone()
        if low != 1 or count != high or (head is None and high) or (head and head[0] != high):
            return None
        starts = [1 + (index << level) for index in range((high + (1 << level) - 1) >> level)]
        if workers > 1 and len(starts) > 1 and not nested:
            tasks = [(start, level, snapshot) for start in starts]
            context = multiprocessing.get_context("fork")
            with context.Pool(min(workers, len(tasks))) as pool:
                for result in pool.imap(_scan_in_child, tasks):
                    if isinstance(result, str):
                        return None
                    joiner.add(result)
                    if progress is not None:
                        progress(joiner.report.events)
        else:
            raw = connection.connection
            for start in starts:
                joiner.add(scan_range(raw, start, level))
                if progress is not None:
                    progress(joiner.report.events)
        report = joiner.finish()
    if head is not None and head[1] != joiner.expected_prev:
        return None
    return report
