"""The allocation engine: a pure function from a frozen round's inputs and a seed to the result.

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

ENGINE_VERSION = "1"
ORDER_DOMAIN = b"portline-order/1"
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


@dataclass(frozen=True)
class RoundResult:
    """Per port, `selected` lists canonical positions in published order (1-based rank =
    position + 1); `reserved` marks those won in the longest-waiting share; `standby`
    lists the standby requests in published order."""

    selected: tuple[np.ndarray, ...]
    reserved: tuple[np.ndarray, ...]
    standby: tuple[np.ndarray, ...]

    def selected_people(self, group_size: np.ndarray) -> list[int]:
        return [int(np.asarray(group_size)[s].sum()) for s in self.selected]


def order_keys(seed: bytes, count: int) -> np.ndarray:
    """The random key of every canonical position: 8 bytes each of one SHAKE-256 stream."""
    stream = hashlib.shake_256(ORDER_DOMAIN + seed).digest(8 * count)
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
    sizes = np.asarray(data.group_size, dtype=np.int64)
    first = np.asarray(data.first_port, dtype=np.int64)
    second = np.asarray(data.second_port, dtype=np.int64)
    day = np.asarray(data.registered_day, dtype=np.int64)
    count = sizes.size
    if not (first.size == second.size == day.size == count):
        raise ValueError("input arrays differ in length")
    if count and (sizes.min() < 1):
        raise ValueError("a group has at least one person")
    ports = len(data.capacities)
    if count and (
        first.min() < 0 or first.max() >= ports or second.max() >= ports or second.min() < NO_PORT
    ):
        raise ValueError("port index out of range")
    if count and np.any(first == second):
        raise ValueError("second choice equals first choice")

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
