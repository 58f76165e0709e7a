"""A synthetic population as arrays: millions of registration units in well under a second.

Same distributions as `generator.iter_registrations` (group sizes, nationalities) without
building Python objects per person, for simulations. Pure: randomness only from the
Generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from portline.synthetic.generator import GROUP_SIZE_WEIGHTS, GROUP_SIZES
from portline.synthetic.names import NATIONALITY_WEIGHTS

NATIONALITIES: tuple[str, ...] = tuple(NATIONALITY_WEIGHTS)
_NAT_P = np.array([NATIONALITY_WEIGHTS[c] for c in NATIONALITIES], dtype=float)
_NAT_P = _NAT_P / _NAT_P.sum()


@dataclass(frozen=True)
class Population:
    """One row per registration unit (a person alone or a group)."""

    group_size: np.ndarray  # int8, 1..10
    nationality: np.ndarray  # int8, index into NATIONALITIES
    first_port: np.ndarray  # int8, index into the port list given
    registered_day: np.ndarray  # int32, day number (may be negative: before day 0)

    def __len__(self) -> int:
        return int(self.group_size.size)


def population(
    rng: np.random.Generator,
    count: int,
    *,
    port_weights: np.ndarray,
    first_day: int,
    last_day: int,
) -> Population:
    """`count` units registered uniformly on days first_day..last_day (inclusive)."""
    weights = np.asarray(port_weights, dtype=float)
    return Population(
        group_size=rng.choice(GROUP_SIZES, size=count, p=GROUP_SIZE_WEIGHTS).astype(np.int8),
        nationality=rng.choice(len(NATIONALITIES), size=count, p=_NAT_P).astype(np.int8),
        first_port=rng.choice(weights.size, size=count, p=weights / weights.sum()).astype(np.int8),
        registered_day=rng.integers(first_day, last_day + 1, size=count, dtype=np.int32),
    )
