"""Grouping confirmed parties into vehicles: pure, no ORM, no clock, plain data in and out.

A party is the people of one registration travelling on one appointment (a family or a
group, or one person alone). The engine

- groups parties by port and slot (vehicles never mix two ports or two slots);
- packs each group into as few vehicles as it can, first-fit over the parties sorted from
  the largest down, so a party is never split across vehicles;
- computes each vehicle's departure back from the slot: slot start minus the route's
  travel time minus its margin;
- orders boarding inside a vehicle: families and groups (two or more people) first, the
  largest first, then people travelling alone.

A party larger than the route's vehicle capacity cannot be carried without splitting it:
the engine refuses the whole plan (`CapacityTooSmall`) rather than separating a family.
The result depends only on the input (ties broken by the party key), so re-running a plan
reproduces it exactly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ENGINE_VERSION = "transport-1"


@dataclass(frozen=True)
class Party:
    """One appointment's travellers. `key` identifies the appointment; `people` are person ids
    in the registration's own order."""

    key: int
    port: str
    slot_starts_at: dt.datetime
    people: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.people)

    @property
    def is_family(self) -> bool:
        return len(self.people) > 1


@dataclass(frozen=True)
class RouteRule:
    """What the plan needs of a route: the port it serves and its timing and vehicle size."""

    port: str
    travel_minutes: int
    margin_minutes: int
    capacity: int


@dataclass(frozen=True)
class VehiclePlan:
    port: str
    slot_starts_at: dt.datetime
    departs_at: dt.datetime
    capacity: int
    parties: tuple[Party, ...]  # in boarding order

    @property
    def people(self) -> tuple[int, ...]:
        return tuple(person for party in self.parties for person in party.people)

    @property
    def seats_taken(self) -> int:
        return sum(party.size for party in self.parties)


@dataclass(frozen=True)
class Plan:
    vehicles: tuple[VehiclePlan, ...]
    unrouted: tuple[Party, ...]  # parties at a port that no route of this departure point serves
    engine_version: str = ENGINE_VERSION

    @property
    def people(self) -> int:
        return sum(v.seats_taken for v in self.vehicles)


class PlanError(ValueError):
    """The input cannot be planned; nothing should be stored."""


class CapacityTooSmall(PlanError):
    def __init__(self, port: str, capacity: int, largest: int):
        super().__init__(
            f"vehicle capacity {capacity} at {port} is smaller than a party of {largest}"
        )
        self.port = port
        self.capacity = capacity
        self.largest = largest


class DuplicatePerson(PlanError):
    def __init__(self, person: int):
        super().__init__(f"person {person} appears in two parties")
        self.person = person


def departure_time(slot_starts_at: dt.datetime, rule: RouteRule) -> dt.datetime:
    """The slot start, less the travel time, less the margin, in elapsed time (computed in
    UTC, so a change of clocks overnight does not move the departure by an hour)."""
    if slot_starts_at.tzinfo is None:
        raise PlanError("slot times must carry their time zone")
    elapsed = dt.timedelta(minutes=rule.travel_minutes + rule.margin_minutes)
    return slot_starts_at.astimezone(dt.UTC) - elapsed


def boarding_order(parties: Iterable[Party]) -> tuple[Party, ...]:
    """Families and groups first (largest first), then people alone; ties by key."""
    return tuple(sorted(parties, key=lambda p: (not p.is_family, -p.size, p.key)))


def _validate(parties: Sequence[Party], routes: Mapping[str, RouteRule]) -> None:
    seen: set[int] = set()
    for party in parties:
        if not party.people:
            raise PlanError(f"party {party.key} has nobody in it")
        for person in party.people:
            if person in seen:
                raise DuplicatePerson(person)
            seen.add(person)
    for port, rule in routes.items():
        if rule.capacity < 1:
            raise PlanError(f"vehicle capacity at {port} must be at least 1")
        if rule.travel_minutes < 0 or rule.margin_minutes < 0:
            raise PlanError(f"travel time and margin at {port} cannot be negative")
    largest: dict[str, int] = defaultdict(int)
    for party in parties:
        if party.port in routes:
            largest[party.port] = max(largest[party.port], party.size)
    for port in sorted(largest):
        if largest[port] > routes[port].capacity:
            raise CapacityTooSmall(port, routes[port].capacity, largest[port])


def _pack(parties: Sequence[Party], capacity: int) -> list[list[Party]]:
    """First-fit decreasing: the largest parties first, each into the first vehicle with room."""
    bins: list[list[Party]] = []
    free: list[int] = []
    for party in sorted(parties, key=lambda p: (-p.size, p.key)):
        for index, room in enumerate(free):
            if room >= party.size:
                bins[index].append(party)
                free[index] -= party.size
                break
        else:
            bins.append([party])
            free.append(capacity - party.size)
    return bins


def plan(parties: Sequence[Party], routes: Mapping[str, RouteRule]) -> Plan:
    """Vehicles for `parties`, given each served port's `RouteRule`. Raises `PlanError`
    (`CapacityTooSmall`, `DuplicatePerson`) when the input cannot be planned."""
    _validate(parties, routes)
    groups: dict[tuple[str, dt.datetime], list[Party]] = defaultdict(list)
    unrouted = []
    for party in parties:
        if party.port in routes:
            groups[(party.port, party.slot_starts_at)].append(party)
        else:
            unrouted.append(party)
    vehicles = []
    for (port, slot), members in groups.items():
        rule = routes[port]
        departs = departure_time(slot, rule)  # UTC
        for load in _pack(members, rule.capacity):
            vehicles.append(
                VehiclePlan(
                    port=port,
                    slot_starts_at=slot,
                    departs_at=departs,
                    capacity=rule.capacity,
                    parties=boarding_order(load),
                )
            )
    # Stable: inside one port and slot the vehicles keep their packing order (fullest first).
    vehicles.sort(key=lambda v: (v.departs_at, v.port, v.slot_starts_at))
    return Plan(vehicles=tuple(vehicles), unrouted=tuple(sorted(unrouted, key=lambda p: p.key)))


def first_fit_in_arrival_order(parties: Sequence[Party], capacity: int) -> list[list[Party]]:
    """The baseline the benchmark compares with: parties taken in the order given, each into
    the first vehicle with room (no sorting). Never used to plan."""
    bins: list[list[Party]] = []
    free: list[int] = []
    for party in parties:
        for index, room in enumerate(free):
            if room >= party.size:
                bins[index].append(party)
                free[index] -= party.size
                break
        else:
            bins.append([party])
            free.append(capacity - party.size)
    return bins


def input_digest(parties: Sequence[Party], routes: Mapping[str, RouteRule]) -> str:
    """SHA-256 of the plan's input, so a stored plan names exactly what it was made from."""
    payload = {
        "parties": [
            [p.key, p.port, p.slot_starts_at.isoformat(), list(p.people)]
            for p in sorted(parties, key=lambda p: p.key)
        ],
        "routes": {
            port: [r.travel_minutes, r.margin_minutes, r.capacity]
            for port, r in sorted(routes.items())
        },
        "engine": ENGINE_VERSION,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
