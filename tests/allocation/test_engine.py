"""Properties of the pure engine, and agreement with the independent standalone verifier."""

import hashlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portline.allocation import engine
from tests.allocation.verifier_module import verifier

PORTS = 4


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
    return engine.RoundInput(
        seed=draw(st.binary(min_size=32, max_size=32)),
        capacities=capacities,
        reserved_percent=draw(st.sampled_from([0, 30, 50, 70, 100])),
        standby_percent=draw(st.sampled_from([0, 50, 100, 200])),
        group_size=sizes,
        first_port=first,
        second_port=second,
        registered_day=days,
    )


def _listed(result):
    return [
        int(i)
        for port in range(len(result.selected))
        for i in (*result.selected[port], *result.standby[port])
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(round_inputs())
def test_capacity_groups_and_single_wins(data):
    result = engine.allocate(data)
    sizes = np.asarray(data.group_size)
    chosen = [int(i) for s in result.selected for i in s]
    # No request (so no registration: one request per registration per round) wins twice,
    # and nobody is both selected and on standby.
    assert len(chosen) == len(set(chosen))
    assert len(_listed(result)) == len(set(_listed(result)))
    for port, capacity in enumerate(data.capacities):
        picked = result.selected[port]
        # Capacity is never exceeded; a group counts whole (never split).
        assert sizes[picked].sum() <= capacity
        for i in picked:
            assert port in (data.first_port[i], data.second_port[i])
        # Reserved share: the longest-waiting part never takes more than its share, only
        # first choices, and never anyone who waited less than someone it skipped for no reason.
        share = capacity * data.reserved_percent // 100
        reserved = result.reserved[port]
        assert sizes[reserved].sum() <= share
        assert all(data.first_port[i] == port for i in reserved)
        if len(reserved):
            newest = max(data.registered_day[i] for i in reserved)
            left = share - sizes[reserved].sum()
            for i in range(len(sizes)):
                if (
                    data.first_port[i] == port
                    and data.registered_day[i] < newest
                    and i not in set(reserved.tolist())
                ):
                    assert sizes[i] > left  # it could only have been skipped for not fitting
        for i in result.standby[port]:
            assert data.first_port[i] == port


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(round_inputs())
def test_engine_agrees_with_the_standalone_verifier(data):
    """Two implementations written separately from docs/allocation.md must agree exactly."""
    result = engine.allocate(data)
    selected, reserved, standby = verifier.allocate(
        data.seed,
        list(data.capacities),
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


def test_large_input_takes_the_prefix_path_and_still_agrees_with_the_verifier():
    """Big candidate lists make the engine sort only a prefix; the full sort must agree."""
    rng = np.random.default_rng(7)
    n = 20_000
    first = rng.integers(0, PORTS, n)
    second = np.where(rng.random(n) < 0.5, (first + rng.integers(1, PORTS, n)) % PORTS, -1)
    data = engine.RoundInput(
        seed=hashlib.sha256(b"prefix").digest(),
        capacities=[150, 9, 60, 0],
        reserved_percent=40,
        standby_percent=100,
        group_size=rng.integers(1, 11, n),
        first_port=first,
        second_port=second,
        registered_day=rng.integers(738000, 738300, n),
    )
    result = engine.allocate(data)
    selected, _reserved, standby = verifier.allocate(
        data.seed,
        list(data.capacities),
        40,
        100,
        data.group_size.tolist(),
        first.tolist(),
        second.tolist(),
        data.registered_day.tolist(),
    )
    assert [s.tolist() for s in result.selected] == selected
    assert [s.tolist() for s in result.standby] == standby
    assert [int(np.asarray(data.group_size)[s].sum()) for s in result.selected] == [150, 9, 60, 0]


def test_a_different_seed_gives_a_different_order():
    n = 1000
    base = dict(
        capacities=[50],
        reserved_percent=0,
        standby_percent=0,
        group_size=[1] * n,
        first_port=[0] * n,
        second_port=[-1] * n,
        registered_day=[738000] * n,
    )
    a = engine.allocate(engine.RoundInput(seed=b"\x01" * 32, **base))
    b = engine.allocate(engine.RoundInput(seed=b"\x02" * 32, **base))
    assert a.selected[0].tolist() != b.selected[0].tolist()


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        engine.allocate(
            engine.RoundInput(
                seed=b"s" * 32,
                capacities=[1],
                reserved_percent=0,
                standby_percent=0,
                group_size=[0],
                first_port=[0],
                second_port=[-1],
                registered_day=[1],
            )
        )
    with pytest.raises(ValueError):
        engine.allocate(
            engine.RoundInput(
                seed=b"s" * 32,
                capacities=[1, 1],
                reserved_percent=0,
                standby_percent=0,
                group_size=[1],
                first_port=[1],
                second_port=[1],
                registered_day=[1],
            )
        )
