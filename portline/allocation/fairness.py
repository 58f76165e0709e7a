"""The documented effect of group size on the chance of winning (docs/allocation.md, "Odds").

Every request of a port has the same place in the random order whatever its size, and all
its members win or lose together, so a person's chance is their request's chance. The only
effect of size is the skip rule: a group of s people cannot win once fewer than s places are
left in a phase. With many more requests than places, the walk through the order is a Markov
chain on the places left, and a request of size s wins in proportion to the expected number
of requests the walk reaches while at least s places are left. `skip_rule_weights` computes
that number exactly (pure, no randomness); the fairness test checks observed rates against it.
"""

from __future__ import annotations

from collections.abc import Sequence


def reached_while_fitting(places: int, size_share: Sequence[float]) -> list[float]:
    """For s = 1..len(size_share): expected requests reached while >= s places are left, in a
    phase of `places` places when request sizes follow `size_share` (index 0: size 1)."""
    largest = len(size_share)
    visits = [0.0] * (places + 1)
    inflow = [0.0] * (places + 1)
    if places > 0:
        inflow[places] = 1.0
    for left in range(places, 0, -1):
        fitting = sum(size_share[: min(left, largest)])
        if fitting <= 0 or inflow[left] == 0:
            continue
        visits[left] = inflow[left] / fitting  # reached requests at this state (skips included)
        for size in range(1, min(left, largest) + 1):
            inflow[left - size] += visits[left] * size_share[size - 1]
    return [sum(visits[size:]) for size in range(1, largest + 1)]


def skip_rule_weights(phases: Sequence[int], size_share: Sequence[float]) -> list[float]:
    """Relative chance of a request of size s (size 1 = 1.0) over the phases of one port
    (e.g. its longest-waiting share and its random part), with ample demand."""
    totals = [0.0] * len(size_share)
    for places in phases:
        for index, value in enumerate(reached_while_fitting(places, size_share)):
            totals[index] += value
    return [t / totals[0] if totals[0] else 1.0 for t in totals]


# ---------------------------------------------------------------------------------------------
# Engine version 2: the size weights committed at freeze, and the chance of each group size.

WEIGHT_SCALE = 10_000  # a weight of 10,000 is one ticket; only ratios matter
WEIGHT_CAP = 100  # no size gets more than 100 tickets (a random part too small to fit it)
MAX_GROUP = 10


def reserved_stop(
    share: int, size_share: Sequence[float], largest: int
) -> tuple[list[float], float]:
    """Version 2's longest-waiting share: every request is taken while at least `largest`
    places are left. Returns (probability of each leftover 0..largest-1, expected requests
    taken). With share < largest nothing is taken and the whole share is left over."""
    if largest <= 0 or share < largest:
        left = [0.0] * max(largest, share + 1)
        left[share] = 1.0
        return left, 0.0
    inflow = [0.0] * (share + 1)
    inflow[share] = 1.0
    steps = 0.0
    for places in range(share, largest - 1, -1):
        mass = inflow[places]
        if mass == 0:
            continue
        steps += mass
        for size, share_s in enumerate(size_share, start=1):
            if share_s:
                inflow[places - size] += mass * share_s
    return inflow[:largest], steps


def walk_reach(start: Sequence[float], pick: Sequence[float]) -> list[float]:
    """A skip-rule walk where each reached request has size s with probability pick[s-1],
    started at `start[places]` (a distribution). Returns, for s = 1..10, the expected number of
    requests reached while at least s places are left."""
    top = len(start) - 1
    inflow = [*start, 0.0]
    visits = [0.0] * (top + 1)
    for places in range(top, 0, -1):
        fitting = sum(pick[: min(places, len(pick))])
        if fitting <= 0 or inflow[places] == 0:
            continue
        visits[places] = inflow[places] / fitting
        for size in range(1, min(places, len(pick)) + 1):
            inflow[places - size] += visits[places] * pick[size - 1]
    return [sum(visits[size:]) for size in range(1, MAX_GROUP + 1)]


def _v2_model(capacity: int, reserved_percent: int, counts: Sequence[int]):
    total = sum(counts)
    mix = [c / total for c in counts]
    largest = max(s for s, c in enumerate(counts, start=1) if c)
    share = capacity * reserved_percent // 100
    leftover, reserved_taken = reserved_stop(share, mix, largest)
    start = [0.0] * (capacity + 1)
    for left, probability in enumerate(leftover):
        if probability:
            start[capacity - share + left] += probability
    return mix, start, reserved_taken


def v2_weights(capacity: int, reserved_percent: int, counts: Sequence[int]) -> list[int]:
    """The integer weight of a request of 1..10 people at one port, from the port's frozen
    size counts (`counts[s-1]` requests of s people), chosen so that, with many more requests
    than places, every size's chance per request is equal (docs/allocation.md, "Why weights").
    Computed in floating point at freeze and published as integers: nobody recomputes them to
    check a draw, they are part of the commitment."""
    counts = [int(c) for c in counts] + [0] * (MAX_GROUP - len(counts))
    if capacity <= 0 or not any(counts):
        return [WEIGHT_SCALE] * MAX_GROUP
    mix, start, _taken = _v2_model(capacity, reserved_percent, counts)
    weights = [1.0] * MAX_GROUP
    for _ in range(200):
        total = sum(m * w for m, w in zip(mix, weights, strict=True))
        reach = walk_reach(start, [m * w / total for m, w in zip(mix, weights, strict=True)])
        new = [min(float(WEIGHT_CAP), reach[0] / r) if r > 0 else float(WEIGHT_CAP) for r in reach]
        if max(abs(a - b) for a, b in zip(new, weights, strict=True)) < 1e-12:
            weights = new
            break
        weights = new
    return [max(1, min(WEIGHT_CAP * WEIGHT_SCALE, round(w * WEIGHT_SCALE))) for w in weights]


def size_chances(
    *,
    engine_version: str,
    capacity: int,
    reserved_percent: int,
    counts: Sequence[int],
    weights: Sequence[int] | None = None,
) -> list[float]:
    """Expected chance per request (so per person) of a request of 1..10 people at one port,
    for a round with `counts[s-1]` first-choice requests of s people: everyone when they all
    fit, else the model with many more requests than places (second choices ignored)."""
    counts = [int(c) for c in counts] + [0] * (MAX_GROUP - len(counts))
    total = sum(counts)
    people = sum(s * c for s, c in enumerate(counts, start=1))
    if total == 0:
        return [0.0] * MAX_GROUP
    if people <= capacity:
        return [1.0 if s <= capacity else 0.0 for s in range(1, MAX_GROUP + 1)]
    mix = [c / total for c in counts]
    share = capacity * reserved_percent // 100
    if engine_version == "1":
        first = walk_reach([0.0] * share + [1.0], mix) if share else [0.0] * MAX_GROUP
        second = walk_reach([0.0] * (capacity - share) + [1.0], mix)
        return [min(1.0, (a + b) / total) for a, b in zip(first, second, strict=True)]
    mix, start, reserved_taken = _v2_model(capacity, reserved_percent, counts)
    tickets = [float(w) for w in (weights or v2_weights(capacity, reserved_percent, counts))]
    norm = sum(m * w for m, w in zip(mix, tickets, strict=True))
    pick = [m * w / norm for m, w in zip(mix, tickets, strict=True)]
    reach = walk_reach(start, pick)
    # Per request of size s: its share of the random walk's picks, over the requests of size s.
    return [
        min(1.0, (reserved_taken + r * w / norm) / total)
        for r, w in zip(reach, tickets, strict=True)
    ]
