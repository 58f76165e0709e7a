"""The allocation engine: a pure function from a frozen round's inputs and a seed to the result.

Two versions. Version 1 (rounds drawn before engine version 2 existed) walks one uniform
random order with the skip rule. Version 2 (every new round) keeps group sizes' odds equal:
the longest-waiting share stops before its last places could only fit small groups, and the
rest is a weighted random walk whose per-size weights are fixed and committed at freeze
(`portline.allocation.fairness.v2_weights`). Both are specified in docs/allocation.md.

No ORM, no clock, no global randomness: the same input gives the same result on every
machine. docs/allocation.md specifies this algorithm in words (section "The draw"), and
verifier/portline_verify.py is a second, independent implementation in plain Python; the
tests check that the two agree.

Input order matters: request *i* is the *i*-th line of the canonical export (requests sorted
by their request hash). The random order gives request *i* the key
``SHAKE-256("portline-order/1" || seed)[8i : 8i+8]`` read as a big-endian unsigned integer;
requests are ranked by key, ties by *i*.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ENGINE_VERSION = "2"  # the version new rounds are frozen with
ENGINE_VERSIONS = ("1", "2")
ORDER_DOMAIN = b"portline-order/1"
ORDER_DOMAIN_V2 = b"portline-order/2"
MAX_GROUP = 10  # docs/allocation.md: a group has 1 to 10 people
MAX_WEIGHT = 1_000_000  # v2 size weights are integers 1..MAX_WEIGHT
NO_PORT = -1


@dataclass(frozen=True)
class RoundInput:
    """Plain data for one round. Arrays are indexed by canonical position (see module doc)."""

    seed: bytes
    capacities: Sequence[int]  # per port, ports in the canonical (code) order
    reserved_percent: int
    standby_percent: int
    group_size: Sequence[int] | np.ndarray
    first_port: Sequence[int] | np.ndarray  # index into capacities
    second_port: Sequence[int] | np.ndarray  # index, or -1 for none
    registered_day: (
        Sequence[int] | np.ndarray
    )  # proleptic Gregorian ordinal of the registration date
    engine_version: str = "1"
    # Version 2 only: per port (code order), the integer weight of a request of 1..10 people.
    size_weights: Sequence[Sequence[int]] | None = None


@dataclass(frozen=True)
class RoundResult:
    """Per port, `selected` lists canonical positions in published order (1-based rank =
    position + 1); `reserved` marks those won in the longest-waiting share; `standby`
    lists the standby requests in published order."""

    selected: tuple[np.ndarray, ...]
    reserved: tuple[np.ndarray, ...]
    standby: tuple[np.ndarray, ...]
    # Version 2, for measuring odds (benchmarks/allocation_fairness.py), not part of the draw:
    # per port, (registration day and key of the first request the longest-waiting share did
    # not take, or None) and the (weight left, places left) before each draw of its walk.
    trace: tuple = ()

    def selected_people(self, group_size: np.ndarray) -> list[int]:
        return [int(np.asarray(group_size)[s].sum()) for s in self.selected]


def order_keys(seed: bytes, count: int, domain: bytes = ORDER_DOMAIN) -> np.ndarray:
    """The random key of every canonical position: 8 bytes each of one SHAKE-256 stream."""
    stream = hashlib.shake_256(domain + seed).digest(8 * count)
    return np.frombuffer(stream, dtype=">u8").astype(np.uint64)


def _fill(candidates: np.ndarray, sizes: np.ndarray, places: int) -> tuple[np.ndarray, int]:
    """Walk `candidates` in order; take each whose group fits in the places left, skip the
    others (a group is never split); stop when no place is left or the list ends.
    Returns (taken, places left)."""
    if places <= 0 or candidates.size == 0:
        return candidates[:0], max(places, 0)
    groups = sizes[candidates]
    total = np.cumsum(groups)
    fit = int(np.searchsorted(total, places, side="right"))  # the prefix that fits whole
    chosen = [candidates[:fit]]
    left = places - (int(total[fit - 1]) if fit else 0)
    position = fit
    # After the first group that does not fit, fewer places are left than its size, so this
    # loop runs at most (largest group - 1) times.
    while left > 0 and position < candidates.size:
        fitting = np.flatnonzero(groups[position:] <= left)
        if fitting.size == 0:
            break
        j = position + int(fitting[0])
        chosen.append(candidates[j : j + 1])
        left -= int(groups[j])
        position = j + 1
    return np.concatenate(chosen), left


def _key_prefix(candidates: np.ndarray, keys: np.ndarray, count: int) -> tuple[np.ndarray, bool]:
    """The first `count` or more of `candidates` (ascending positions) in random order, and
    whether that is all of them. Only a prefix is sorted: a port needs its first few hundred
    requests in order, not all of them. Ties in the key (and at the cut) keep position order."""
    values = keys[candidates]
    if count < candidates.size:
        cut = np.partition(values, count - 1)[count - 1]
        keep = values <= cut
        candidates, values = candidates[keep], values[keep]
        complete = False
    else:
        complete = True
    return candidates[np.argsort(values, kind="stable")], complete


def _wait_prefix(
    candidates: np.ndarray, day: np.ndarray, keys: np.ndarray, sizes: np.ndarray, people: int
) -> tuple[np.ndarray, bool]:
    """Candidates in longest-waiting order (registration day, then random key, then position),
    cut after the first days that hold at least `people` people."""
    days = day[candidates]
    complete = True
    if candidates.size and people >= 0:
        offset = days - days.min()
        per_day = np.cumsum(np.bincount(offset, weights=sizes[candidates]))
        last = int(np.searchsorted(per_day, people, side="left"))
        if last < per_day.size - 1:
            keep = offset <= last
            candidates, days = candidates[keep], days[keep]
            complete = False
    order = np.lexsort((keys[candidates], days))  # stable: equal (day, key) keep position order
    return candidates[order], complete


def allocate(data: RoundInput) -> RoundResult:
    """Draw a round with the engine version it names (docs/allocation.md)."""
    if data.engine_version == "1":
        return _allocate_v1(data)
    if data.engine_version == "2":
        return _allocate_v2(data)
    raise ValueError(f"unknown engine version {data.engine_version!r}")


def _checked_arrays(data: RoundInput):
    sizes = np.asarray(data.group_size, dtype=np.int64)
    first = np.asarray(data.first_port, dtype=np.int64)
    second = np.asarray(data.second_port, dtype=np.int64)
    day = np.asarray(data.registered_day, dtype=np.int64)
    count = sizes.size
    if not (first.size == second.size == day.size == count):
        raise ValueError("input arrays differ in length")
    if count and (sizes.min() < 1 or sizes.max() > MAX_GROUP):
        raise ValueError("a group has 1 to 10 people")
    if any(int(c) < 0 for c in data.capacities):
        raise ValueError("a capacity is negative")
    if not (0 <= int(data.reserved_percent) <= 100 and int(data.standby_percent) >= 0):
        raise ValueError("reserved percent is 0-100 and standby percent at least 0")
    ports = len(data.capacities)
    if count and (
        first.min() < 0 or first.max() >= ports or second.max() >= ports or second.min() < NO_PORT
    ):
        raise ValueError("port index out of range")
    if count and np.any(first == second):
        raise ValueError("second choice equals first choice")
    return sizes, first, second, day


def _allocate_v1(data: RoundInput) -> RoundResult:
    sizes, first, second, day = _checked_arrays(data)
    count = sizes.size
    ports = len(data.capacities)
    keys = order_keys(data.seed, count)
    taken = np.zeros(count, dtype=bool)
    selected: list[list[np.ndarray]] = [[] for _ in range(ports)]
    reserved: list[np.ndarray] = []
    places_left: list[int] = []
    first_choices = [np.flatnonzero(first == port) for port in range(ports)]

    for port, capacity in enumerate(data.capacities):
        capacity = int(capacity)
        mine = first_choices[port]
        # 1. The longest-waiting share: first choices by registration day, ties by random key.
        share = capacity * int(data.reserved_percent) // 100
        need = 2 * share + 64
        while True:
            by_wait, complete = _wait_prefix(mine, day, keys, sizes, need)
            won, left = _fill(by_wait, sizes, share)
            if left == 0 or complete:
                break
            need *= 4
        taken[won] = True
        selected[port].append(won)
        reserved.append(won)
        places = capacity - int(sizes[won].sum())
        # 2. The rest in random order among first choices not yet taken.
        need = 2 * capacity + won.size + 64
        while True:
            in_order, complete = _key_prefix(mine, keys, need)
            won, left = _fill(in_order[~taken[in_order]], sizes, places)
            if left == 0 or complete:
                break
            need *= 4
        taken[won] = True
        selected[port].append(won)
        places_left.append(left)

    # 3. Second choices, only for places that every first choice of that port left free.
    for port in range(ports):
        if places_left[port] <= 0:
            continue
        theirs = np.flatnonzero(second == port)
        need = 2 * places_left[port] + 64
        while True:
            in_order, complete = _key_prefix(theirs, keys, need)
            won, left = _fill(in_order[~taken[in_order]], sizes, places_left[port])
            if left == 0 or complete:
                break
            need *= 4
        taken[won] = True
        selected[port].append(won)

    # 4. Standby: the untaken first choices of each port, continuing the random order, until
    #    the people listed reach the standby share of the port's capacity.
    standby = []
    for port, capacity in enumerate(data.capacities):
        target = int(capacity) * int(data.standby_percent) // 100
        if target <= 0:
            standby.append(first_choices[port][:0])
            continue
        need = 2 * (int(capacity) + target) + 64
        while True:
            in_order, complete = _key_prefix(first_choices[port], keys, need)
            waiting = in_order[~taken[in_order]]
            before = np.cumsum(sizes[waiting]) - sizes[waiting]
            cut = int(np.searchsorted(before, target, side="left"))
            if cut < waiting.size or complete:
                break
            need *= 4
        standby.append(waiting[:cut])

    return RoundResult(
        selected=tuple(np.concatenate(parts) for parts in selected),
        reserved=tuple(reserved),
        standby=tuple(standby),
    )


# ---------------------------------------------------------------------------------------------
# Engine version 2 (docs/allocation.md, "The draw, engine version 2")


def walk_draw(seed: bytes, port: int, phase: str, number: int) -> int:
    """Draw number `number` of a port's walk: the first 8 bytes, big-endian, of
    SHA-256(ASCII("portline-walk/2|<port index>|<phase>|<number>|") || seed)."""
    digest = hashlib.sha256(f"portline-walk/2|{port}|{phase}|{number}|".encode("ascii") + seed)
    return int.from_bytes(digest.digest()[:8], "big")


class _Fenwick:
    """Cumulative weights over positions 0..n-1 that can be set to zero one at a time, and the
    search for the first position whose cumulative weight exceeds r (a binary indexed tree)."""

    def __init__(self, weights: np.ndarray):
        self.n = int(weights.size)
        prefix = np.concatenate([[0], np.cumsum(weights, dtype=np.int64)])
        index = np.arange(1, self.n + 1)
        self.tree = np.concatenate([[0], prefix[index] - prefix[index - (index & -index)]])
        self.weights = weights.copy()
        self.total = int(prefix[-1])
        self.top = 1 << (self.n.bit_length() - 1) if self.n else 0

    def remove(self, position: int) -> None:
        weight = int(self.weights[position])
        if not weight:
            return
        self.weights[position] = 0
        self.total -= weight
        i = position + 1
        while i <= self.n:
            self.tree[i] -= weight
            i += i & -i

    def find(self, r: int) -> int:
        position, step = 0, self.top
        while step:
            following = position + step
            if following <= self.n:
                value = int(self.tree[following])
                if value <= r:
                    position = following
                    r -= value
            step >>= 1
        return position


class _Walk:
    """A weighted random order over `candidates` (canonical positions, ascending), one request
    at a time: draw r uniform in [0, W), W the total weight of the candidates neither taken nor
    reached yet, and reach the first such candidate (canonical order) whose cumulative weight
    exceeds r. This is sampling without replacement with probability proportional to weight,
    in integers only (docs/allocation.md)."""

    def __init__(self, *, seed, port, phase, candidates, sizes, weights, taken):
        self.seed, self.port, self.phase = seed, port, phase
        self.candidates = candidates
        self.sizes = sizes
        self.taken = taken
        self.tree = _Fenwick(weights[sizes[candidates] - 1].astype(np.int64))
        self.removed = np.zeros(candidates.size, dtype=bool)
        self.number = 0
        self.reached: list[int] = []
        self.trace: list[tuple[int, int]] = []

    def sync(self) -> np.ndarray:
        """Take out candidates taken since (by an earlier step or another port); return how
        many candidates of each size (index 0: one person) are neither taken nor reached."""
        for position in np.flatnonzero(self.taken[self.candidates] & ~self.removed).tolist():
            self.tree.remove(position)
            self.removed[position] = True
        return np.bincount(
            self.sizes[self.candidates[~self.removed]] - 1, minlength=MAX_GROUP
        ).astype(np.int64)

    def next(self) -> int:
        """The next request the walk reaches (the caller checks one is left)."""
        total = self.tree.total
        limit = (1 << 64) - ((1 << 64) % total)
        while True:
            value = walk_draw(self.seed, self.port, self.phase, self.number)
            self.number += 1
            if value < limit:
                break
        position = self.tree.find(value % total)
        self.tree.remove(position)
        self.removed[position] = True
        index = int(self.candidates[position])
        self.reached.append(index)
        return index

    def fill(self, places: int) -> tuple[list[int], int]:
        """Walk and take each reached request whose group fits the places left (skip rule),
        until no place is left or no request that would fit is left to reach."""
        won: list[int] = []
        available = self.sync()
        while places > 0 and available[: min(places, MAX_GROUP)].sum() > 0:
            self.trace.append((self.tree.total, places))
            index = self.next()
            size = int(self.sizes[index])
            available[size - 1] -= 1
            if size <= places:
                self.taken[index] = True
                won.append(index)
                places -= size
        return won, places


def _allocate_v2(data: RoundInput) -> RoundResult:
    sizes, first, second, day = _checked_arrays(data)
    count = sizes.size
    ports = len(data.capacities)
    if data.size_weights is None or len(data.size_weights) != ports:
        raise ValueError("engine version 2 needs size weights for every port")
    weights = np.asarray(data.size_weights, dtype=np.int64).reshape(ports, MAX_GROUP)
    if weights.size and (weights.min() < 1 or weights.max() > MAX_WEIGHT):
        raise ValueError("size weights are integers from 1 to 1,000,000")
    keys = order_keys(data.seed, count, ORDER_DOMAIN_V2)
    taken = np.zeros(count, dtype=bool)
    selected: list[list[int]] = [[] for _ in range(ports)]
    reserved: list[np.ndarray] = []
    places_left: list[int] = []
    walks: list[_Walk] = []
    stops: list[tuple[int, int] | None] = []
    first_choices = [np.flatnonzero(first == port) for port in range(ports)]

    for port, capacity in enumerate(data.capacities):
        capacity = int(capacity)
        mine = first_choices[port]
        # 1. The longest-waiting share, walked by registration day (then key, then position),
        #    taking every request while at least `largest` places of the share are left.
        share = capacity * int(data.reserved_percent) // 100
        largest = int(sizes[mine].max()) if mine.size else 0
        won = mine[:0]
        stop = None
        if mine.size and share >= largest:
            by_wait, _complete = _wait_prefix(mine, day, keys, sizes, share)
            before = np.cumsum(sizes[by_wait]) - sizes[by_wait]
            won = by_wait[: int(np.searchsorted(before, share - largest, side="right"))]
            if won.size < by_wait.size:
                following = int(by_wait[won.size])
                stop = (int(day[following]), int(keys[following]))
        taken[won] = True
        reserved.append(won)
        selected[port].extend(won.tolist())
        # 2. The rest: the port's weighted walk over its first choices.
        walk = _Walk(
            seed=data.seed,
            port=port,
            phase="first",
            candidates=mine,
            sizes=sizes,
            weights=weights[port],
            taken=taken,
        )
        won_random, left = walk.fill(capacity - int(sizes[won].sum()))
        selected[port].extend(won_random)
        places_left.append(left)
        walks.append(walk)
        stops.append(stop)

    # 3. Second choices, only for places that every first choice of that port left free.
    for port in range(ports):
        if places_left[port] <= 0:
            continue
        walk = _Walk(
            seed=data.seed,
            port=port,
            phase="second",
            candidates=np.flatnonzero(second == port),
            sizes=sizes,
            weights=weights[port],
            taken=taken,
        )
        won_second, places_left[port] = walk.fill(places_left[port])
        selected[port].extend(won_second)

    # 4. Standby: the port's first-choice walk in the order it reached requests (those it
    #    passed over first), then onwards; requests taken anywhere and groups larger than the
    #    port's capacity are not listed; listing stops once the people listed reach the target.
    standby = []
    for port, capacity in enumerate(data.capacities):
        capacity = int(capacity)
        target = capacity * int(data.standby_percent) // 100
        walk = walks[port]
        listed: list[int] = []
        people = 0
        position = 0
        available = walk.sync()
        while people < target:
            if position < len(walk.reached):
                index = walk.reached[position]
                position += 1
            elif available[: min(capacity, MAX_GROUP)].sum() > 0:
                index = walk.next()
                position += 1
                available[int(sizes[index]) - 1] -= 1
            else:
                break
            if taken[index] or int(sizes[index]) > capacity:
                continue
            listed.append(index)
            people += int(sizes[index])
        standby.append(np.asarray(listed, dtype=np.int64))

    return RoundResult(
        selected=tuple(np.asarray(s, dtype=np.int64) for s in selected),
        reserved=tuple(reserved),
        standby=tuple(standby),
        trace=tuple((stop, walk.trace) for stop, walk in zip(stops, walks, strict=True)),
    )
