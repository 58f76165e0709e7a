"""Figure: the allocation engine alone on 1,000,000 requests against 1,450 places, engine
version 2 beside version 1 (target <= 1 s).

Baseline, same process, same data: a plain per-request Python loop that hashes every request
with the seed (hashlib SHA-256), sorts by digest and fills each port.

    .venv/bin/python benchmarks/allocation_engine.py
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import numpy as np

from benchmarks.allocation_data import (
    CAPACITY,
    PORTS,
    baseline_allocate,
    peak_rss_mb,
    requests,
    seed_bytes,
)
from portline.allocation import engine
from portline.allocation.fairness import v2_weights


def main() -> None:
    data = requests()
    capacities = [CAPACITY[p] for p in PORTS]
    people = int(data["group_size"].sum())
    print(
        f"{len(data['group_size']):,} requests ({people:,} people), {sum(capacities):,} places, 8 ports"
    )
    weights = [
        v2_weights(
            capacities[p],
            50,
            np.bincount(data["group_size"][data["first_port"] == p] - 1, minlength=10).tolist(),
        )
        for p in range(len(PORTS))
    ]
    figures = {}
    for version in ("1", "2"):
        round_input = engine.RoundInput(
            seed=seed_bytes(),
            capacities=capacities,
            reserved_percent=50,
            standby_percent=100,
            engine_version=version,
            size_weights=weights,
            **data,
        )
        engine.allocate(round_input)  # warm-up (imports, allocator)
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            result = engine.allocate(round_input)
            runs.append(time.perf_counter() - started)
        figures[version] = min(runs)
        placed = result.selected_people(data["group_size"])
        assert all(p <= c for p, c in zip(placed, capacities, strict=True))
        print(
            f"engine version {version}: best of 5 {min(runs):.3f} s (median {sorted(runs)[2]:.3f} s), "
            f"{sum(placed)} of {sum(capacities)} places filled, {sum(len(s) for s in result.standby)} on standby"
        )
    engine_s = figures["2"]

    hashes = [
        hashlib.sha256(f"request-{i}".encode()).digest() for i in range(len(data["group_size"]))
    ]
    started = time.perf_counter()
    baseline = baseline_allocate(seed_bytes(), hashes, data, capacities, 50)
    baseline_s = time.perf_counter() - started
    baseline_people = sum(int(np.asarray(data["group_size"])[s].sum()) for s in baseline)
    print(
        f"baseline (per-request hashlib loop + sort): {baseline_s:.3f} s, {baseline_people} people placed"
    )
    print(
        f"ratio: engine version 2 is {baseline_s / engine_s:.1f}x faster than the baseline, "
        f"{engine_s / figures['1']:.1f}x the time of version 1; target <= 1 s: {'met' if engine_s <= 1 else 'NOT met'}"
    )
    print(f"peak memory (RSS) of the process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
