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
