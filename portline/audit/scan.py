"""Fast verification of an intact chain on PostgreSQL: ranges of `seq` checked side by side.

The chain is cut into ranges of 2**LEVEL events that start at multiples of 2**LEVEL (the last
few whole ones cut again into four, so that the processes finish together). Each
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

import gc
import json
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha256
from itertools import groupby
from typing import Any

import psycopg
from django.db import connection, connections, transaction

from portline.audit import chain, merkle
from portline.audit.verification import DaySummary, PublishedDay, Report

LEVEL = 19  # 524,288 events per range (longer than a day of 10,000,000 events over 30 days,
# so most days are finished inside a range rather than joined by the parent)
FETCH = 20_000

# PostgreSQL checks, next to the data, that every column agrees with the entry: the entry
# must be exactly the text rebuilt from the columns (strings through to_json, which escapes
# as JSON does), with only the `data` part taken from the entry itself and compared as jsonb
# with the data column. Each expression is evaluated once per row (the inner query is kept
# apart with OFFSET 0, so the planner does not copy `sub` into both places it is used).
# Python then hashes the entries, checks the links and builds the trees. A row found
# different here (an entry with non-ASCII text, which the canonical form escapes and to_json
# does not, for one) is checked again in Python (`_recheck`) before the scan gives up.
_CHECKED = """
SELECT prev_hash, hash, entry, left(at_text, 10),
       entry = concat(
           '{"action":', to_json(action), ',"actor":', coalesce(actor_id::text, 'null'),
           ',"actor_role":', to_json(actor_role), ',"at":"', at_text, '","data":', sub,
           ',"prev":"', prev_hash, '","seq":', seq, ',"target_id":', to_json(target_id),
           ',"target_type":', to_json(target_type), ',"v":1}')
       AND sub::jsonb = data
FROM (
    SELECT seq, prev_hash, hash, entry, action, actor_id, actor_role, target_id, target_type,
           data, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text,
           split_part(split_part(entry, ',"prev":"', 1), ',"data":', 2) AS sub
    FROM audit_auditrecord
    WHERE seq >= %s AND seq < %s
    ORDER BY seq
    OFFSET 0
) AS parts
ORDER BY seq
"""
_ONE_ROW = """
SELECT seq, prev_hash, entry, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       actor_id, actor_role, action, target_type, target_id, data::text
FROM audit_auditrecord WHERE seq = %s
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
    level: int  # the range holds the numbers start .. start + 2**level - 1
    count: int = 0
    first_prev: str = ""
    last_hash: str = ""
    segments: list[Segment] = field(default_factory=list)


def _node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def _pairs(nodes: list[bytes]) -> list[bytes]:
    """One level up: the node hash of each pair (an odd last node is left out)."""
    it = iter(nodes)
    return [sha256(b"\x01" + left + right).digest() for left, right in zip(it, it, strict=False)]


def _root_of(leaves: list[bytes]) -> bytes:
    """RFC 6962 root, level by level: pair the nodes, carry an odd last one up unchanged.
    That is the same tree as the RFC's largest-power-of-two split (`merkle.root`)."""
    if not leaves:
        return merkle.EMPTY_ROOT
    nodes = leaves
    while len(nodes) > 1:
        upper = _pairs(nodes)
        if len(nodes) & 1:
            upper.append(nodes[-1])
        nodes = upper
    return nodes[0]


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    """The perfect subtrees of a range: level h holds the roots of its runs of 2**h leaves."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        levels.append(_pairs(levels[-1]))
    return levels


def _frontier(levels: list[list[bytes]], count: int) -> list[tuple[int, bytes]]:
    """The range's own log-tree subtrees after its first `count` leaves, left first: one per
    bit of `count`, as `merkle.RootBuilder` keeps them."""
    return [
        (height, levels[height][(count >> height) - 1])
        for height in range(count.bit_length() - 1, -1, -1)
        if count >> height & 1
    ]


def _recheck(raw: Any, seq: int) -> bool:
    """One row PostgreSQL found different, checked in Python against the canonical form."""
    with raw.cursor() as cursor:
        cursor.execute(_ONE_ROW, [seq])
        row = cursor.fetchone()
    if row is None:
        return False
    seq, prev, entry, at, actor, role, action, ttype, tid, data_text = row
    try:
        data_json = chain.canonical_data(json.loads(data_text))
        written = json.loads(entry)
    except ValueError:
        return False
    if not isinstance(written, dict) or written.get("seq") != seq:
        return False
    return entry.encode("utf-8") == chain.canonical(
        seq=seq,
        prev=prev,
        at=at,
        actor=actor,
        actor_role=role,
        action=action,
        target_type=ttype,
        target_id=tid,
        data_json=data_json,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while. The scan makes millions of tuples (rows,
    columns) and no reference cycles; each batch of rows that outlives a collection pushes the
    collector towards a full pass over every object of the process (Django's included), which
    was a third of a range's Python time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def scan_range(raw: Any, start: int, level: int) -> Part:
    """Check the events with seq in [start, start + 2**level) through `raw`, a psycopg
    connection inside the scan's snapshot. Raises Anomaly.

    Work goes batch by batch over columns (lists), not row by row: the hashes, links and
    tree levels are list comprehensions over hashlib, the rows' days are grouped with
    itertools.groupby."""
    part = Part(start=start, level=level)
    end = start + (1 << level)
    leaves: list[bytes] = []
    runs: list[tuple[str, int]] = []  # (day, events) in seq order
    prev: str | None = None
    try:
        with raw.cursor(name=f"audit_scan_{start}") as cursor:
            cursor.execute(_CHECKED, [start, end])
            while batch := cursor.fetchmany(FETCH):
                prevs, hashes, texts, days, oks = zip(*batch, strict=True)
                if not all(oks):
                    base = start + len(leaves)
                    for index, ok in enumerate(oks):
                        if not ok and not _recheck(raw, base + index):
                            raise Anomaly(f"columns at seq {base + index}")
                entries = [text.encode("utf-8") for text in texts]
                if [sha256(entry).hexdigest() for entry in entries] != list(hashes):
                    raise Anomaly(f"a hash in seq {start + len(leaves)}-")
                if prev is None:
                    part.first_prev = prevs[0]
                elif prevs[0] != prev:
                    raise Anomaly(f"link at seq {start + len(leaves)}")
                if prevs[1:] != hashes[:-1]:
                    raise Anomaly(f"a link in seq {start + len(leaves)}-")
                prev = hashes[-1]
                leaves.extend([sha256(b"\x00" + entry).digest() for entry in entries])
                for day, run in groupby(days):
                    count = sum(1 for _ in run)
                    if runs and runs[-1][0] == day:
                        runs[-1] = (day, runs[-1][1] + count)
                    else:
                        runs.append((day, count))
    except psycopg.Error as exc:  # an entry whose data part is not JSON, for one
        raise Anomaly(str(exc)) from exc
    part.count = len(leaves)
    part.last_hash = prev or ""
    levels = _levels(leaves)
    done = 0
    for index, (day, count) in enumerate(runs):
        inside = 0 < index < len(runs) - 1  # neither the range's first run nor its last
        run_leaves = leaves[done : done + count]
        part.segments.append(
            Segment(
                day,
                start + done,
                start + done + count - 1,
                _root_of(run_leaves) if inside else None,
                None if inside else run_leaves,
                _frontier(levels, done + count),
            )
        )
        done += count
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

    published: dict[str, PublishedDay]
    report: Report = field(default_factory=Report)
    outer: list[tuple[int, bytes]] = field(default_factory=list)  # complete ranges: (height, root)
    open_day: str | None = None
    open_first: int = 0
    open_last: int = 0
    open_tree: bytes = b""
    open_leaves: list[bytes] = field(default_factory=list)
    expected_prev: str = chain.GENESIS
    next_start: int = 1
    high: int = 0  # the chain head's seq: the last number there must be

    def tree_root(self, inner: list[tuple[int, bytes]]) -> bytes:
        """The log tree's root: complete ranges' subtrees, then the current range's."""
        stack = self.outer + inner
        node = stack[-1][1]
        for _height, left in reversed(stack[:-1]):
            node = _node(left, node)
        return node

    def add(self, part: Part) -> None:
        if part.start != self.next_start or part.first_prev != self.expected_prev:
            raise Anomaly(f"range at seq {part.start} does not follow the one before")
        if part.count != min(1 << part.level, self.high - part.start + 1):
            raise Anomaly(f"events missing or extra in the range at seq {part.start}")
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
        if part.count == 1 << part.level:  # complete: one subtree of its own
            ((_height, top),) = part.segments[-1].frontier
            node, height = top, part.level  # a range starts at a multiple of its size, so the
            # subtrees before it are at least as high
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
    joiner = _Joiner(published={p.day: p for p in published})
    nested = connection.in_atomic_block  # inside a caller's transaction: no snapshot of ours
    try:
        with _collector_paused():  # the parent's joining, and the ranges read here
            return _scan(joiner, workers=workers, level=level, progress=progress, nested=nested)
    except Anomaly:  # raised through the transaction, which rolls back
        return None


def _ranges(high: int, level: int, workers: int) -> list[tuple[int, int]]:
    """(start, level) of each range over the numbers 1..high: ranges of 2**level, except that
    the last `workers` whole ones are each cut into four of 2**(level - 2). The pool hands the
    next range to whichever process is free, so the small ones at the end even out the
    processes' last turns (with 19 whole ranges on two processes, one of them used to read the
    19th alone). Each still starts at a multiple of its own size."""
    whole = high >> level
    ranges: list[tuple[int, int]] = []
    for index in range((high + (1 << level) - 1) >> level):
        start = 1 + (index << level)
        if level >= 2 and whole - workers <= index < whole:
            ranges.extend((start + (quarter << (level - 2)), level - 2) for quarter in range(4))
        else:
            ranges.append((start, level))
    return ranges


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
        high = joiner.high = head[0] if head else 0
        # Numbers outside 1..high (two index lookups). Inside it, each range must hold exactly
        # its share of the numbers (`_Joiner.add`): together, no number missing or extra,
        # without counting the whole table first.
        cursor.execute(
            "SELECT EXISTS (SELECT FROM audit_auditrecord WHERE seq < 1 OR seq > %s)", [high]
        )
        if cursor.fetchone()[0]:
            return None
        ranges = _ranges(high, level, workers)
        if workers > 1 and len(ranges) > 1 and not nested:
            tasks = [(start, size, snapshot) for start, size in ranges]
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
            for start, size in ranges:
                joiner.add(scan_range(raw, start, size))
                if progress is not None:
                    progress(joiner.report.events)
        report = joiner.finish()
    if head is not None and head[1] != joiner.expected_prev:
        return None
    return report
