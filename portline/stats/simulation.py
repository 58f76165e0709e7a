"""Capacity simulation for planners: the real allocation engine, day by day, on a synthetic
population whose behaviour is set by parameters.

Pure: no ORM, no clock; randomness from one seed (numpy's PCG64 for behaviour, and each
day's draw seeded from SHA-256(seed, day) exactly as a real round is seeded by its beacon).
The same parameters give the same result on every machine.

Each day: every waiting unit asks with probability `repeat_rate`; the engine allocates the
day's capacity (a `split` share to the longest-waiting, the rest at random); a selected unit
confirms with probability `confirm_rate` and then shows up unless it is a no-show
(`no_show_rate`); units that confirm and show up are served and leave, the others go back
to waiting (no penalty, as in the program). `new_per_day` new units register each day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from portline.allocation.engine import RoundInput, allocate
from portline.synthetic.population import NATIONALITIES, population


class SimulationError(ValueError):
    """Parameters that make no sense; the message says which and why."""


@dataclass(frozen=True)
class SimulationParams:
    days: int = 90
    daily_requests: int = 280_000
    capacity: int = 1_450
    split: float = 0.5  # share of each port's places for the longest-waiting
    repeat_rate: float = 0.8  # chance a waiting unit asks on a given day
    new_per_day: int | None = None  # default: 1% of daily_requests
    confirm_rate: float = 0.9
    no_show_rate: float = 0.05
    history_days: int = 240  # the initial pool registered over this many past days
    seed: int = 1
    port_codes: tuple[str, ...] = ("P",)
    port_weights: tuple[float, ...] = (1.0,)  # capacity and demand shares per port

    def checked(self) -> SimulationParams:
        problems = []
        if self.days < 1:
            problems.append("days must be at least 1")
        for name in ("daily_requests", "capacity", "history_days"):
            if getattr(self, name) < 0:
                problems.append(f"{name} cannot be negative")
        if self.new_per_day is not None and self.new_per_day < 0:
            problems.append("new_per_day cannot be negative")
        for name in ("split", "repeat_rate", "confirm_rate", "no_show_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                problems.append(f"{name} must be between 0 and 1 (got {value})")
        if self.repeat_rate == 0 and self.daily_requests > 0:
            problems.append("repeat_rate 0 means nobody ever asks")
        if len(self.port_codes) != len(self.port_weights) or not self.port_codes:
            problems.append("one weight per port is needed")
        elif min(self.port_weights) < 0 or sum(self.port_weights) <= 0:
            problems.append("port weights must be positive")
        if problems:
            raise SimulationError("; ".join(problems))
        return self

    @property
    def arrivals(self) -> int:
        return self.daily_requests // 100 if self.new_per_day is None else self.new_per_day


@dataclass
class SimulationResult:
    params: dict
    backlog_units: list[int] = field(default_factory=list)  # waiting at the end of each day
    backlog_people: list[int] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)  # units asking each day
    served_people: list[int] = field(default_factory=list)
    unfilled_places: list[int] = field(default_factory=list)
    wait_days: dict[str, float] = field(default_factory=dict)  # percentiles of the served
    wait_histogram: list[tuple[int, int]] = field(default_factory=list)  # (upper day, units)
    share_by_port: dict[str, dict[str, float]] = field(default_factory=dict)
    share_by_nationality: dict[str, dict[str, float]] = field(default_factory=dict)
    selection_ratio_by_size: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def port_capacities(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` places by weight, largest remainders first (sums exactly to total)."""
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - base), kind="stable")[: total - int(base.sum())]:
        base[i] += 1
    return [int(x) for x in base]


def _day_seed(seed: int, day: int) -> bytes:
    return hashlib.sha256(f"portline-simulation/1:{seed}:{day}".encode()).digest()


def _shares(codes: np.ndarray, weights: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
    total = float(weights.sum())
    if total == 0:
        return {label: 0.0 for label in labels}
    sums = np.bincount(codes, weights=weights, minlength=len(labels))
    return {label: round(float(sums[i]) / total, 4) for i, label in enumerate(labels)}


def simulate(
    params: SimulationParams, progress: Callable[[int], None] | None = None
) -> SimulationResult:
    """Run the simulation; `progress(day)` is called after each day."""
    p = params.checked()
    rng = np.random.default_rng(p.seed)
    weights = np.asarray(p.port_weights, dtype=float)
    capacities = port_capacities(p.capacity, p.port_weights)
    initial = round(p.daily_requests / p.repeat_rate) if p.repeat_rate else 0
    pool = population(rng, initial, port_weights=weights, first_day=-p.history_days, last_day=-1)
    sizes, nats, ports, days = (
        pool.group_size,
        pool.nationality,
        pool.first_port,
        pool.registered_day,
    )
    waiting = np.ones(len(pool), dtype=bool)
    served_wait: list[np.ndarray] = []
    served_rows: list[np.ndarray] = []
    asked_sizes = np.zeros(11)
    picked_sizes = np.zeros(11)
    asked_port = np.zeros(len(weights))
    asked_nat = np.zeros(len(NATIONALITIES))
    result = SimulationResult(params=asdict(p))
    reserved_percent = round(p.split * 100)
    for day in range(p.days):
        asking = np.flatnonzero(waiting & (rng.random(waiting.size) < p.repeat_rate))
        result.requests.append(int(asking.size))
        np.add.at(asked_sizes, sizes[asking], 1)
        asked_port += np.bincount(ports[asking], weights=sizes[asking], minlength=len(weights))
        asked_nat += np.bincount(nats[asking], weights=sizes[asking], minlength=len(NATIONALITIES))
        drawn = allocate(
            RoundInput(
                seed=_day_seed(p.seed, day),
                capacities=capacities,
                reserved_percent=reserved_percent,
                standby_percent=0,
                group_size=sizes[asking].astype(np.int64),
                first_port=ports[asking].astype(np.int64),
                second_port=np.full(asking.size, -1, dtype=np.int64),
                registered_day=days[asking].astype(np.int64),
            )
        )
        chosen = asking[np.concatenate([*drawn.selected, np.array([], dtype=np.int64)])]
        np.add.at(picked_sizes, sizes[chosen], 1)
        result.unfilled_places.append(int(p.capacity - sizes[chosen].sum()))
        confirmed = chosen[rng.random(chosen.size) < p.confirm_rate]
        present = confirmed[rng.random(confirmed.size) >= p.no_show_rate]
        waiting[present] = False
        served_wait.append(day - days[present])
        served_rows.append(present)
        result.served_people.append(int(sizes[present].sum()))
        if p.arrivals:
            new = population(rng, p.arrivals, port_weights=weights, first_day=day, last_day=day)
            sizes = np.concatenate([sizes, new.group_size])
            nats = np.concatenate([nats, new.nationality])
            ports = np.concatenate([ports, new.first_port])
            days = np.concatenate([days, new.registered_day])
            waiting = np.concatenate([waiting, np.ones(len(new), dtype=bool)])
        result.backlog_units.append(int(waiting.sum()))
        result.backlog_people.append(int(sizes[waiting].sum()))
        if progress:
            progress(day + 1)
    _summarise(result, p, served_wait, served_rows, sizes, nats, ports)
    result.share_by_port = {
        "requested": _shares(np.arange(len(weights)), asked_port, p.port_codes),
        "served": result.share_by_port["served"],
    }
    result.share_by_nationality = {
        "requested": _shares(np.arange(len(NATIONALITIES)), asked_nat, NATIONALITIES),
        "served": result.share_by_nationality["served"],
    }
    single = picked_sizes[1] / asked_sizes[1] if asked_sizes[1] else 0.0
    result.selection_ratio_by_size = {
        str(k): round(float(picked_sizes[k] / asked_sizes[k] / single), 4)
        for k in range(1, 11)
        if asked_sizes[k] and single
    }
    return result


def _summarise(result, p, served_wait, served_rows, sizes, nats, ports) -> None:
    waits = np.concatenate(served_wait) if served_wait else np.array([], dtype=np.int32)
    rows = np.concatenate(served_rows) if served_rows else np.array([], dtype=np.int64)
    if waits.size:
        result.wait_days = {
            f"p{q}": float(np.percentile(waits, q)) for q in (10, 25, 50, 75, 90, 99)
        }
        result.wait_days["mean"] = round(float(waits.mean()), 2)
        edges = np.arange(0, int(waits.max()) + 31, 30)
        counts, _edges = np.histogram(waits, bins=edges)
        result.wait_histogram = [(int(e), int(c)) for e, c in zip(edges[1:], counts, strict=True)]
    people = sizes[rows].astype(float)
    result.share_by_port = {"served": _shares(ports[rows], people, p.port_codes)}
    result.share_by_nationality = {"served": _shares(nats[rows], people, NATIONALITIES)}
    demand_people = sum(result.requests) and float(np.mean(result.requests))
    if p.capacity and demand_people and result.backlog_units and result.backlog_units[-1] == 0:
        result.notes.append(
            "capacity exceeds demand: everyone who asked was served and the pool emptied"
        )
    if sum(result.unfilled_places) > 0.2 * p.capacity * p.days:
        result.notes.append(
            "more than a fifth of the places stayed empty: capacity exceeds what was asked"
        )
