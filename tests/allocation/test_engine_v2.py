"""Engine version 2: properties, and agreement with the independent standalone verifier."""

import hashlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portline.allocation import engine
from portline.allocation.fairness import v2_weights
from tests.allocation.verifier_module import verifier

PORTS = 4
MIX = [38, 20, 16, 12, 6, 3, 2, 2, 1, 1]
WEIGHT_SETS = [
    [1] * 10,
    [10_000] * 10,
    v2_weights(70, 50, MIX),
    v2_weights(9, 0, MIX),
    [1_000_000, 1, 500, 3, 77_777, 2, 10_000, 9, 400_000, 1],
]


@st.composite
def round_inputs(draw, max_requests=120):
    count = draw(st.integers(0, max_requests))
    capacities = draw(st.lists(st.integers(0, 40), min_size=PORTS, max_size=PORTS))
    sizes = draw(st.lists(st.integers(1, 10), min_size=count, max_size=count))
    first = draw(st.lists(st.integers(0, PORTS - 1), min_size=count, max_size=count))
    second = []
    for f in first:
        s = draw(st.integers(-1, PORTS - 1))
        second.append(-1 if s == f else s)
    days = draw(st.lists(st.integers(738000, 738010), min_size=count, max_size=count))
    weights = draw(st.lists(st.sampled_from(WEIGHT_SETS), min_size=PORTS, max_size=PORTS))
    return engine.RoundInput(
        seed=draw(st.binary(min_size=32, max_size=32)),
        capacities=capacities,
        reserved_percent=draw(st.sampled_from([0, 30, 50, 70, 100])),
        standby_percent=draw(st.sampled_from([0, 50, 100, 200])),
        group_size=sizes,
        first_port=first,
        second_port=second,
        registered_day=days,
        engine_version="2",
        size_weights=weights,
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(round_inputs())
def test_capacity_groups_single_wins_and_a_full_fill(data):
    result = engine.allocate(data)
    sizes = np.asarray(data.group_size)
    first, second = np.asarray(data.first_port), np.asarray(data.second_port)
    chosen = [int(i) for s in result.selected for i in s]
    listed = chosen + [int(i) for s in result.standby for i in s]
    assert len(chosen) == len(set(chosen)) and len(listed) == len(set(listed))
    taken = np.zeros(sizes.size, dtype=bool)
    taken[chosen] = True
    for port, capacity in enumerate(data.capacities):
        picked = result.selected[port]
        assert sizes[picked].sum() <= capacity  # never exceeded; a group counts whole
        for i in picked:
            assert port in (first[i], second[i])
        # The longest-waiting share: first choices only, never over the share, and exactly the
        # requests reached (oldest first) while at least the port's largest group still fitted.
        share = capacity * data.reserved_percent // 100
        reserved = result.reserved[port]
        assert sizes[reserved].sum() <= share
        assert all(first[i] == port for i in reserved)
        mine = np.flatnonzero(first == port)
        if mine.size:
            keys = engine.order_keys(data.seed, sizes.size, engine.ORDER_DOMAIN_V2)
            by_wait = sorted(mine.tolist(), key=lambda i: (data.registered_day[i], keys[i], i))
            largest = sizes[mine].max()
            assert reserved.tolist() == by_wait[: len(reserved)]
            left_before = share - np.concatenate([[0], np.cumsum(sizes[reserved])])
            assert np.all(left_before[:-1] >= largest)
            assert left_before[-1] < largest or len(reserved) == mine.size
        # Full fill: a place is left free only when no request for the port could use it.
        left = capacity - sizes[picked].sum()
        waiting = ~taken & ((first == port) | (second == port))
        assert not np.any(waiting & (sizes <= left))
        # Standby: first choices only, never taken, never larger than the port's capacity.
        for i in result.standby[port]:
            assert first[i] == port and not taken[i] and sizes[i] <= capacity


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(round_inputs())
def test_engine_agrees_with_the_standalone_verifier(data):
    """Two implementations written separately from docs/allocation.md must agree exactly."""
    result = engine.allocate(data)
    selected, reserved, standby = verifier.allocate_v2(
        data.seed,
        list(data.capacities),
        [list(w) for w in data.size_weights],
        data.reserved_percent,
        data.standby_percent,
        list(data.group_size),
        list(data.first_port),
        list(data.second_port),
        list(data.registered_day),
    )
    for port in range(PORTS):
        assert result.selected[port].tolist() == selected[port]
        assert set(result.reserved[port].tolist()) == reserved[port]
        assert result.standby[port].tolist() == standby[port]


@settings(max_examples=40, deadline=None)
@given(round_inputs(max_requests=60))
def test_the_result_is_deterministic(data):
    first, again = engine.allocate(data), engine.allocate(data)
    for a, b in zip(
        (*first.selected, *first.standby), (*again.selected, *again.standby), strict=True
    ):
        assert a.tolist() == b.tolist()


def test_large_input_agrees_with_the_verifier_and_fills_every_place():
    rng = np.random.default_rng(7)
    n = 20_000
    first = rng.integers(0, PORTS, n)
    second = np.where(rng.random(n) < 0.5, (first + rng.integers(1, PORTS, n)) % PORTS, -1)
    sizes = rng.integers(1, 11, n)
    capacities = [150, 9, 60, 0]
    weights = [
        v2_weights(c, 40, np.bincount(sizes[first == p] - 1, minlength=10).tolist())
        for p, c in enumerate(capacities)
    ]
    data = engine.RoundInput(
        seed=hashlib.sha256(b"prefix").digest(),
        capacities=capacities,
        reserved_percent=40,
        standby_percent=100,
        group_size=sizes,
        first_port=first,
        second_port=second,
        registered_day=rng.integers(738000, 738300, n),
        engine_version="2",
        size_weights=weights,
    )
    result = engine.allocate(data)
    selected, _reserved, standby = verifier.allocate_v2(
        data.seed,
        capacities,
        weights,
        40,
        100,
        sizes.tolist(),
        first.tolist(),
        second.tolist(),
        data.registered_day.tolist(),
    )
    assert [s.tolist() for s in result.selected] == selected
    assert [s.tolist() for s in result.standby] == standby
    assert [int(sizes[s].sum()) for s in result.selected] == capacities


def test_bad_input_is_refused():
    base = dict(
        seed=b"s" * 32,
        capacities=[5],
        reserved_percent=0,
        standby_percent=0,
        first_port=[0],
        second_port=[-1],
        registered_day=[1],
        engine_version="2",
    )
    with pytest.raises(ValueError, match="weights"):
        engine.allocate(engine.RoundInput(group_size=[1], **base))
    with pytest.raises(ValueError, match="1 to 10"):
        engine.allocate(engine.RoundInput(group_size=[11], size_weights=[[1] * 10], **base))
    with pytest.raises(ValueError, match="weights"):
        engine.allocate(engine.RoundInput(group_size=[1], size_weights=[[0] * 10], **base))
    with pytest.raises(ValueError, match="version"):
        engine.allocate(engine.RoundInput(group_size=[1], **dict(base, engine_version="3")))
