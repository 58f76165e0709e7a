"""The pure transport engine: nobody twice, families together, capacity, departure times."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portline.transport import engine
from portline.transport.engine import Party, RouteRule

UTC = dt.UTC
NINE = dt.datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
TEN = NINE + dt.timedelta(hours=1)


def party(key, size, port="HID", slot=NINE):
    return Party(
        key=key, port=port, slot_starts_at=slot, people=tuple(range(key * 100, key * 100 + size))
    )


RULES = {"HID": RouteRule(port="HID", travel_minutes=25, margin_minutes=45, capacity=15)}


def test_departure_is_the_slot_less_travel_time_and_margin():
    result = engine.plan([party(1, 3)], RULES)
    (vehicle,) = result.vehicles
    assert vehicle.departs_at == NINE - dt.timedelta(minutes=70)
    assert vehicle.slot_starts_at == NINE and vehicle.capacity == 15


def test_departure_counts_elapsed_time_across_a_change_of_clocks():
    from zoneinfo import ZoneInfo

    chicago = ZoneInfo("America/Chicago")
    slot = dt.datetime(2026, 3, 8, 9, 0, tzinfo=chicago)  # clocks went forward at 02:00
    rule = RouteRule(port="LRD", travel_minutes=660, margin_minutes=60, capacity=45)
    departs = engine.departure_time(slot, rule)
    assert slot - departs == dt.timedelta(hours=12)  # aware subtraction: elapsed time
    assert departs.astimezone(chicago).hour == 20  # 20:00 CST the evening before, not 21:00


def test_families_board_first_largest_first():
    result = engine.plan([party(1, 1), party(2, 2), party(3, 1), party(4, 5)], RULES)
    (vehicle,) = result.vehicles
    assert [p.key for p in vehicle.parties] == [4, 2, 1, 3]
    assert vehicle.people[:5] == (400, 401, 402, 403, 404)


def test_ports_and_slots_never_share_a_vehicle():
    rules = RULES | {
        "BRO": RouteRule(port="BRO", travel_minutes=20, margin_minutes=40, capacity=15)
    }
    result = engine.plan([party(1, 2), party(2, 2, slot=TEN), party(3, 2, port="BRO")], rules)
    assert len(result.vehicles) == 3
    assert {(v.port, v.slot_starts_at) for v in result.vehicles} == {
        ("HID", NINE),
        ("HID", TEN),
        ("BRO", NINE),
    }


def test_a_family_larger_than_the_vehicle_is_refused_not_split():
    rules = {"HID": RouteRule(port="HID", travel_minutes=25, margin_minutes=45, capacity=4)}
    with pytest.raises(engine.CapacityTooSmall) as caught:
        engine.plan([party(1, 3), party(2, 6)], rules)
    assert (caught.value.port, caught.value.capacity, caught.value.largest) == ("HID", 4, 6)


def test_a_person_in_two_parties_is_refused():
    with pytest.raises(engine.DuplicatePerson):
        engine.plan([Party(1, "HID", NINE, (7, 8)), Party(2, "HID", NINE, (8,))], RULES)


def test_parties_at_a_port_without_a_route_are_left_out_and_named():
    result = engine.plan([party(1, 2), party(2, 3, port="SYS")], RULES)
    assert [p.key for p in result.unrouted] == [2]
    assert result.people == 2


def test_sorted_packing_uses_fewer_vehicles_than_first_fit_in_arrival_order():
    # Three groups of 5 book first, then three groups of 10: taken in that order, the fives
    # fill one vehicle and each ten needs its own; sorted, every ten travels with a five.
    parties = [party(i, 5) for i in range(1, 4)] + [party(i, 10) for i in range(4, 7)]
    planned = engine.plan(parties, RULES)
    baseline = engine.first_fit_in_arrival_order(parties, 15)
    assert len(planned.vehicles) == 3
    assert len(baseline) == 4


def test_the_input_digest_names_the_input():
    first = engine.input_digest([party(1, 2)], RULES)
    assert first == engine.input_digest([party(1, 2)], RULES)
    assert first != engine.input_digest([party(1, 3)], RULES)


@st.composite
def day(draw):
    ports = draw(
        st.lists(st.sampled_from(["HID", "BRO", "LRD"]), min_size=1, max_size=3, unique=True)
    )
    rules = {
        port: RouteRule(
            port=port,
            travel_minutes=draw(st.integers(0, 900)),
            margin_minutes=draw(st.integers(0, 180)),
            capacity=draw(st.integers(10, 45)),
        )
        for port in ports
    }
    slots = [NINE + dt.timedelta(hours=h) for h in range(draw(st.integers(1, 4)))]
    sizes = draw(st.lists(st.integers(1, 10), min_size=0, max_size=80))
    parties = []
    next_person = 1
    for key, size in enumerate(sizes, start=1):
        parties.append(
            Party(
                key=key,
                port=draw(st.sampled_from([*ports, "SYS"])),
                slot_starts_at=draw(st.sampled_from(slots)),
                people=tuple(range(next_person, next_person + size)),
            )
        )
        next_person += size
    return parties, rules


@settings(max_examples=150, deadline=None)
@given(day(), st.randoms(use_true_random=False))
def test_plan_properties(case, rnd):
    parties, rules = case
    result = engine.plan(parties, rules)
    routed = [p for p in parties if p.port in rules]

    # nobody twice, nobody forgotten
    seated = Counter(person for v in result.vehicles for person in v.people)
    assert all(count == 1 for count in seated.values())
    assert set(seated) == {person for p in routed for person in p.people}
    assert {p.key for p in result.unrouted} == {p.key for p in parties if p.port not in rules}

    by_group: dict = {}
    for vehicle in result.vehicles:
        rule = rules[vehicle.port]
        # capacity respected; every party whole, of this vehicle's port and slot
        assert vehicle.seats_taken <= rule.capacity == vehicle.capacity
        for member in vehicle.parties:
            assert (member.port, member.slot_starts_at) == (vehicle.port, vehicle.slot_starts_at)
        # departure computed back from the slot
        assert vehicle.departs_at == vehicle.slot_starts_at - dt.timedelta(
            minutes=rule.travel_minutes + rule.margin_minutes
        )
        # families and groups board before people alone
        flags = [member.is_family for member in vehicle.parties]
        assert flags == sorted(flags, reverse=True)
        by_group.setdefault((vehicle.port, vehicle.slot_starts_at), []).append(vehicle)

    for (port, _slot), vehicles in by_group.items():
        capacity = rules[port].capacity
        load = sum(v.seats_taken for v in vehicles)
        assert len(vehicles) >= math.ceil(load / capacity)
        # no two vehicles of one port and slot could have travelled as one
        for i, first in enumerate(vehicles):
            for second in vehicles[i + 1 :]:
                assert first.seats_taken + second.seats_taken > capacity

    # the same input in any order gives the same plan
    shuffled = list(parties)
    rnd.shuffle(shuffled)
    assert engine.plan(shuffled, rules) == result


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 9), st.integers(2, 10))
def test_capacity_smaller_than_the_largest_family_is_always_refused(capacity, largest):
    if largest <= capacity:
        largest = capacity + 1
    rules = {"HID": RouteRule(port="HID", travel_minutes=10, margin_minutes=10, capacity=capacity)}
    with pytest.raises(engine.CapacityTooSmall):
        engine.plan([party(1, 1), party(2, largest)], rules)
