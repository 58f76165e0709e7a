"""The capacity simulation: reproducible, honest about its parameters, never over capacity."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from portline.stats.simulation import SimulationError, SimulationParams, port_capacities, simulate

SMALL = SimulationParams(
    days=6,
    daily_requests=3_000,
    capacity=120,
    split=0.3,
    port_codes=("A", "B", "C"),
    port_weights=(5.0, 3.0, 2.0),
    seed=7,
)


def test_same_seed_same_summary():
    first, second = simulate(SMALL), simulate(SMALL)
    assert first.as_dict() == second.as_dict()
    other = simulate(SimulationParams(**{**SMALL.__dict__, "seed": 8}))
    assert other.as_dict() != first.as_dict()


def test_capacity_is_never_exceeded_and_backlog_is_counted():
    result = simulate(SMALL)
    assert all(0 <= left <= SMALL.capacity for left in result.unfilled_places)
    assert all(served <= SMALL.capacity for served in result.served_people)
    assert len(result.backlog_people) == SMALL.days
    assert result.requests[0] > 0 and result.wait_days["p50"] >= 0


def test_port_split_sums_exactly():
    assert port_capacities(1450, [385, 70, 100, 175, 120, 100, 120, 380]) == [
        385,
        70,
        100,
        175,
        120,
        100,
        120,
        380,
    ]
    assert sum(port_capacities(7, [1, 1, 1])) == 7


def test_longest_waiting_share_shortens_the_longest_waits():
    """With the whole capacity for the longest-waiting, the oldest registrations go first."""
    everyone_random = simulate(SimulationParams(**{**SMALL.__dict__, "split": 0.0}))
    oldest_first = simulate(SimulationParams(**{**SMALL.__dict__, "split": 1.0}))
    assert oldest_first.wait_days["p10"] > everyone_random.wait_days["p10"]


def test_more_capacity_than_demand_empties_the_pool():
    result = simulate(
        SimulationParams(
            days=5,
            daily_requests=50,
            capacity=5_000,
            new_per_day=0,
            repeat_rate=1.0,
            confirm_rate=1.0,
            no_show_rate=0.0,
        )
    )
    assert result.backlog_units[-1] == 0
    assert any("capacity exceeds" in note for note in result.notes)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"days": 0}, "days must be at least 1"),
        ({"capacity": -5}, "capacity cannot be negative"),
        ({"confirm_rate": 1.5}, "confirm_rate must be between 0 and 1"),
        ({"no_show_rate": -0.1}, "no_show_rate must be between 0 and 1"),
        ({"port_weights": (1.0,)}, "one weight per port"),
    ],
)
def test_bad_parameters_are_refused(change, message):
    with pytest.raises(SimulationError, match=message):
        simulate(SimulationParams(**{**SMALL.__dict__, **change}))


@pytest.mark.django_db
def test_command_prints_a_summary_and_writes_charts(tmp_path):
    out = io.StringIO()
    call_command(
        "stats_simulate",
        "--days",
        "4",
        "--daily-requests",
        "2000",
        "--capacity",
        "100",
        "--compare-splits",
        "0,0.5",
        "--out",
        str(tmp_path),
        stdout=out,
        stderr=io.StringIO(),
    )
    text = out.getvalue()
    assert "days waited by those served" in text and "longest-waiting share" in text
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["splits"]) == {"0.5", "0.0"}
    assert (tmp_path / "backlog.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "splits.svg").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split", "2"], "split must be between 0 and 1"),
        (["--daily-requests", "-1"], "daily_requests cannot be negative"),
        (["--compare-splits", "half"], "--compare-splits takes numbers"),
        (["--compare-splits", "0.2,3"], "split must be between 0 and 1"),
    ],
)
def test_command_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("stats_simulate", "--days", "2", *args, stdout=io.StringIO())


def test_population_is_fast_and_seeded():
    from portline.synthetic.population import population

    a = population(
        np.random.default_rng(3), 100_000, port_weights=np.ones(8), first_day=-10, last_day=0
    )
    b = population(
        np.random.default_rng(3), 100_000, port_weights=np.ones(8), first_day=-10, last_day=0
    )
    assert np.array_equal(a.group_size, b.group_size) and len(a) == 100_000
    assert a.group_size.min() >= 1 and a.group_size.max() <= 10
