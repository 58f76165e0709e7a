"""Verify the audit chain: a pure engine over a stream of rows (no ORM, no clock).

Rows come in stored order (seq, then id) as `Row`s. The engine rebuilds the chain from the
links themselves (each row names the hash of the row it follows), so it can say *what*
happened, not only that something did:

- modified:  a row's content no longer matches its hash (or was re-hashed, and the next
             row still commits to the original hash);
- deleted:   a row's predecessor is missing (the numbers that are gone are named);
- inserted:  a row that is not part of the chain (it fits no link, or forks from a row that
             already has a genuine successor);
- reordered: a row whose content is intact but sits at a place other than the one it was
             written at (its sequence number or its position was changed);
- root:      a day's recomputed Merkle root differs from the signed root published for it;
- unchained: events written longer ago than the allowed lag that the sequencer has not
             chained (reported by `selectors.audit_verify`, which also reads those rows).

Memory stays bounded: out-of-place rows wait in a window of WINDOW rows; the verifier then
resolves the earliest one. Runs of rows with the same displacement are reported once.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import sha256
from typing import NamedTuple

from portline.audit import chain, merkle

WINDOW = 256
MAX_FINDINGS = 1000


class Row(NamedTuple):
    id: int
    seq: int  # the seq column
    prev: str  # the prev_hash column
    hash: str  # the hash column
    entry: bytes  # the entry column: canonical JSON the hash is over
    entry_seq: int | None  # the seq written inside the entry
    content_ok: bool  # every other column agrees with the entry (prev included)
    day: str  # YYYY-MM-DD of the row's time (UTC)


@dataclass
class Finding:
    kind: str
    seq: int
    event_id: int | None
    detail: str
    seq_to: int | None = None
    offset: int = 0

    def line(self) -> str:
        if self.kind == "unchained":
            return f"UNCHAINED: event id {self.event_id}: {self.detail}"
        where = (
            f"seq {self.seq}"
            if self.seq_to in (None, self.seq)
            else f"seq {self.seq}-{self.seq_to}"
        )
        event = f" (event id {self.event_id})" if self.event_id is not None else ""
        return f"{self.kind.upper()}: {where}{event}: {self.detail}"


@dataclass
class PublishedDay:
    day: str
    first_seq: int
    last_seq: int
    count: int
    day_root: str
    tree_size: int
    tree_root: str


@dataclass
class DaySummary:
    day: str
    first_seq: int
    last_seq: int
    count: int
    day_root: str
    tree_size: int
    tree_root: str


@dataclass
class Report:
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    days: list[DaySummary] = field(default_factory=list)
    truncated: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, finding: Finding) -> None:
        last = self.findings[-1] if self.findings else None
        if (
            last is not None
            and finding.kind == last.kind == "reordered"
            and finding.offset == last.offset
            and finding.seq == (last.seq_to or last.seq) + 1
        ):
            last.seq_to = finding.seq
            last.detail = (
                f"{last.seq_to - last.seq + 1} events sit {abs(finding.offset)} place(s) "
                f"{'later' if finding.offset > 0 else 'earlier'} than where they were written"
            )
            return
        if len(self.findings) >= MAX_FINDINGS:
            self.truncated += 1
            return
        self.findings.append(finding)


def _self_check(row: Row, seq: int) -> bytes | None:
    """The row's entry if the row is intact *and* was written at `seq`."""
    if row.content_ok and row.entry_seq == seq and sha256(row.entry).hexdigest() == row.hash:
        return row.entry
    return None


class _Verifier:
    def __init__(self, published: dict[str, PublishedDay]):
        self.report = Report()
        self.published = published
        self.expected = chain.GENESIS
        self.pos = 0
        self.last: Row | None = None  # the last accepted row
        self.provisional: tuple[bytes, str, int] | None = None  # its (leaf, day, seq)
        self.pending: dict[str, list[Row]] = {}
        self.heap: list[tuple[int, int, Row]] = []
        self.consumed: set[str] = set()  # hashes that already have an accepted successor
        self.consumed_order: deque[str] = deque()
        self.tree = merkle.RootBuilder()
        self.day: str | None = None
        self.day_tree = merkle.RootBuilder()
        self.day_first = 0
        self.day_last = 0

    # -- the chain ---------------------------------------------------------------------
    def feed(self, row: Row) -> None:
        if row.prev == self.expected and not self.pending:
            self._accept(row)
            return
        self.pending.setdefault(row.prev, []).append(row)
        heapq.heappush(self.heap, (row.seq, row.id, row))
        self._drain()
        if len(self.heap) > WINDOW:
            self._resolve_one()
            self._drain()

    def finish(self) -> Report:
        while self.heap:
            self._resolve_one()
            self._drain()
        self._commit_provisional()
        self._close_day()
        for day in sorted(set(self.published) - {d.day for d in self.report.days}):
            pub = self.published[day]
            self.report.add(
                Finding(
                    "deleted",
                    pub.first_seq,
                    None,
                    f"the signed root for {day} covers seq {pub.first_seq}-{pub.last_seq}, "
                    "and no event of that day is left",
                    seq_to=pub.last_seq,
                )
            )
        return self.report

    def _take(self, row: Row) -> None:
        rows = self.pending[row.prev]
        rows.remove(row)
        if not rows:
            del self.pending[row.prev]
        self.heap = [item for item in self.heap if item[2] is not row]
        heapq.heapify(self.heap)

    def _drain(self) -> None:
        while self.expected in self.pending:
            rows = sorted(self.pending[self.expected], key=lambda r: (r.seq, r.id))
            row = rows[0]
            # Of two rows claiming the same predecessor, the one with a successor is genuine.
            for candidate in rows:
                if candidate.hash in self.pending:
                    row = candidate
                    break
            self._take(row)
            self._accept(row)

    def _resolve_one(self) -> None:
        _seq, _id, row = heapq.heappop(self.heap)
        rows = self.pending[row.prev]
        rows.remove(row)
        if not rows:
            del self.pending[row.prev]
        last = self.last
        if last is not None and row.prev == last.prev and row.hash in self.pending:
            # A fork at the last accepted row, and this branch goes on: the row accepted
            # before it was the inserted one.
            self.report.add(
                Finding(
                    "inserted",
                    last.seq,
                    last.id,
                    "this event is not part of the chain (it forks from the event before it, "
                    "whose genuine successor follows)",
                )
            )
            self.provisional = None
            self.consumed.discard(last.prev)
            self.pos -= 1
            self.expected = last.prev
            self.last = None
            self._accept(row)
            return
        if row.prev in self.consumed:
            self.report.add(
                Finding(
                    "inserted",
                    row.seq,
                    row.id,
                    "this event is not part of the chain (it claims a predecessor that "
                    "already has a successor)",
                )
            )
            return
        if _self_check(row, row.seq) is None and _self_check(row, self.pos + 1) is None:
            self.report.add(
                Finding(
                    "inserted",
                    row.seq,
                    row.id,
                    "this event is not part of the chain (it links to no event and its "
                    "hash matches none of its content)",
                )
            )
            return
        if row.seq > self.pos + 1:
            after = f" after event id {self.last.id}" if self.last else " at the start"
            self.report.add(
                Finding(
                    "deleted",
                    self.pos + 1,
                    None,
                    f"{row.seq - self.pos - 1} event(s) missing{after}, before event id {row.id}",
                    seq_to=row.seq - 1,
                )
            )
            self.pos = row.seq - 1
        elif row.seq == self.pos + 1 and self.last is not None:
            self.report.add(
                Finding(
                    "modified",
                    self.last.seq,
                    self.last.id,
                    "this event was rewritten and re-hashed: the next event still commits "
                    "to its original hash",
                )
            )
        else:
            self.report.add(
                Finding(
                    "inserted",
                    row.seq,
                    row.id,
                    "this event is not part of the chain (its place is already taken)",
                )
            )
            return
        self._accept(row)

    def _accept(self, row: Row) -> None:
        self.pos += 1
        entry = _self_check(row, row.seq)
        if entry is None or row.seq != self.pos:
            at_place = _self_check(row, self.pos) if row.seq != self.pos else None
            if at_place is not None:
                entry = at_place
                self.report.add(
                    Finding(
                        "reordered",
                        self.pos,
                        row.id,
                        f"this event was written at seq {self.pos} and is stored at seq {row.seq}",
                        offset=row.seq - self.pos,
                    )
                )
            elif entry is None:
                entry = row.entry
                self.report.add(
                    Finding(
                        "modified",
                        row.seq,
                        row.id,
                        "its content no longer matches its hash",
                    )
                )
        self._commit_provisional()
        self.provisional = (sha256(b"\x00" + entry).digest(), row.day, self.pos)
        self.consumed.add(row.prev)
        self.consumed_order.append(row.prev)
        if len(self.consumed_order) > 4 * WINDOW:
            self.consumed.discard(self.consumed_order.popleft())
        self.expected = row.hash
        self.last = row
        self.report.events += 1

    # -- the trees ---------------------------------------------------------------------
    def _commit_provisional(self) -> None:
        if self.provisional is None:
            return
        leaf, day, seq = self.provisional
        self.provisional = None
        if day != self.day:
            self._close_day()
            self.day, self.day_first = day, seq
            self.day_tree = merkle.RootBuilder()
        self.day_tree.append(leaf)
        self.tree.append(leaf)
        self.day_last = seq

    def _close_day(self) -> None:
        if self.day is None:
            return
        summary = DaySummary(
            day=self.day,
            first_seq=self.day_first,
            last_seq=self.day_last,
            count=self.day_tree.size,
            day_root=self.day_tree.root().hex(),
            tree_size=self.tree.size,
            tree_root=self.tree.root().hex(),
        )
        self.report.days.append(summary)
        pub = self.published.get(self.day)
        if pub is not None and (
            pub.day_root != summary.day_root
            or pub.tree_root != summary.tree_root
            or pub.count != summary.count
        ):
            self.report.add(
                Finding(
                    "root",
                    summary.first_seq,
                    None,
                    f"the events of {self.day} give day root {summary.day_root[:16]}… over "
                    f"{summary.count} events, and the signed root published for that day is "
                    f"{pub.day_root[:16]}… over {pub.count} events",
                    seq_to=summary.last_seq,
                )
            )
        self.day = None


def verify_rows(
    rows: Iterable[Row],
    *,
    published: Iterable[PublishedDay] = (),
    head_seq: int | None = None,
    head_hash: str | None = None,
) -> Report:
    verifier = _Verifier({p.day: p for p in published})
    for row in rows:
        verifier.feed(row)
    report = verifier.finish()
    if head_seq is not None and head_seq > verifier.pos:
        report.add(
            Finding(
                "deleted",
                verifier.pos + 1,
                None,
                f"the chain head records {head_seq} events; the last ones are missing",
                seq_to=head_seq,
            )
        )
    elif head_hash is not None and head_seq == verifier.pos and head_hash != verifier.expected:
        report.add(
            Finding(
                "modified",
                verifier.pos,
                verifier.last.id if verifier.last else None,
                "the last event's hash differs from the one the chain head recorded",
            )
        )
    elif head_seq is not None and head_seq < verifier.pos and report.ok:
        # The sequencer moves the head in the transaction that numbers the events, so in one
        # snapshot the head is never behind the last event. A chain that is whole otherwise
        # (any other finding already names what changed) but runs past its head had events
        # appended behind the sequencer, or its head edited.
        report.add(
            Finding(
                "inserted",
                head_seq + 1,
                verifier.last.id if verifier.last else None,
                f"the chain head records {head_seq} events; the events numbered after it were "
                "appended behind the sequencer, or the head was edited",
                seq_to=verifier.pos,
            )
        )
    return report
