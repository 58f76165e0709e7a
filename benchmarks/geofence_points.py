"""Figure: service-area point checks per second on one core (target >= 100,000/s).

Measured in one run on the same seeded points:
  * indexed, batch: `engine.check_many`: prepared geometries (GEOS indexes their edges:
    an interval index for point-in-polygon, an STRtree of segments for distances), vectorised
    shapely calls, the full rule with the border band; also with each point's state named;
  * indexed, one call per point: `engine.check` (STRtree over the states, prepared polygons;
    what a request or confirmation runs; far-outside points pay for the nearest-area answer);
  * baselines, naive loops over the unprepared shapely state polygons per point: containment
    only (no band: less work than the engine), and the same rule with the band (a distance to
    every eligible polygon when the point is not inside one).

    .venv/bin/python benchmarks/geofence_points.py [N]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402 -- thread limits and the path must be set first
import shapely  # noqa: E402

from portline.geofence import engine  # noqa: E402


def points(n: int, seed: int = 20240823):
    """Half around real places people request from, half uniform over Mexico's box."""
    rng = np.random.default_rng(seed)
    cities = np.array(
        [
            (32.51, -117.04),
            (31.69, -106.42),
            (25.69, -100.32),
            (19.43, -99.13),
            (14.91, -92.26),
            (17.99, -92.95),
            (17.07, -96.73),
            (25.87, -97.50),
            (32.62, -115.45),
            (21.16, -86.85),
        ]
    )
    half = n // 2
    pick = cities[rng.integers(0, len(cities), half)]
    lat = np.concatenate([pick[:, 0] + rng.normal(0, 0.2, half), rng.uniform(14.0, 33.0, n - half)])
    lon = np.concatenate(
        [pick[:, 1] + rng.normal(0, 0.2, half), rng.uniform(-118.0, -86.0, n - half)]
    )
    acc = rng.choice([5.0, 20.0, 65.0, 500.0, 1500.0], n)
    return lat, lon, acc


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} checks/s"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    lat, lon, acc = points(n)
    index = engine.default_index()
    history = [
        engine.PolicyData(
            2,
            dt.datetime(2024, 8, 23, 6, tzinfo=dt.UTC),
            None,
            index.codes(),
            index.codes() - {"MX-CAM", "MX-GRO", "MX-OAX", "MX-ROO", "MX-VER", "MX-YUC"},
        ),
    ]
    eligible = history[0].states_others
    at = dt.datetime(2025, 1, 15, tzinfo=dt.UTC)
    index.area(eligible)  # build once, as a running server has

    start = time.perf_counter()
    accepted, _none = engine.check_many(lat, lon, acc, eligible=eligible, index=index)
    batch_s = time.perf_counter() - start
    start = time.perf_counter()
    accepted_too, state_of = engine.check_many(
        lat, lon, acc, eligible=eligible, index=index, with_state=True
    )
    state_s = time.perf_counter() - start
    assert (accepted == accepted_too).all()

    m = min(n, 20_000)
    start = time.perf_counter()
    single = [
        engine.check(
            latitude=float(lat[i]),
            longitude=float(lon[i]),
            accuracy_m=float(acc[i]),
            nationalities=["HN"],
            at=at,
            policies=history,
            index=index,
        ).accepted
        for i in range(m)
    ]
    single_s = time.perf_counter() - start

    k = min(n, 5_000)
    polygons = [s.lonlat for s in index.states]  # unprepared, no index
    codes = [s.code for s in index.states]
    start = time.perf_counter()
    naive_state = []
    for i in range(k):
        point = shapely.Point(float(lon[i]), float(lat[i]))
        naive_state.append(
            next((codes[j] for j, poly in enumerate(polygons) if poly.contains(point)), None)
        )
    naive_s = time.perf_counter() - start

    # The same rule as the engine, naively: projected polygons without preparation or index.
    plain = [
        shapely.from_wkb(shapely.to_wkb(s.geometry)) for s in index.states
    ]  # unprepared copies
    eligible_plain = [g for g, c in zip(plain, codes, strict=True) if c in eligible]
    k2 = min(n, 2_000)
    start = time.perf_counter()
    naive_accepted = []
    for i in range(k2):
        x, y = engine.project_point(float(lon[i]), float(lat[i]))
        point = shapely.Point(x, y)
        band = engine.band_for(float(acc[i])) * engine.scale_factor(float(lat[i]))
        inside = any(g.contains(point) for g in eligible_plain)
        naive_accepted.append(inside or min(g.distance(point) for g in eligible_plain) <= band)
    naive_full_s = time.perf_counter() - start
    full_agree = float(np.mean(np.array(naive_accepted) == accepted[:k2]))

    engine_state = [index.states[j].code if j >= 0 else None for j in state_of[:k]]
    agree = sum(a == b for a, b in zip(engine_state, naive_state, strict=True)) / k
    single_agree = float(np.mean(np.array(single) == accepted[:m]))
    print(
        f"geofence point checks, one core, {n:,} seeded points ({int(accepted.sum()):,} accepted)"
    )
    print(f"  indexed + prepared, batch (check_many): {rate(n, batch_s)}  ({batch_s:.3f} s)")
    print(f"  same, also naming each point's state:   {rate(n, state_s)}  ({state_s:.3f} s)")
    print(
        f"  indexed + prepared, one call per point: {rate(m, single_s)}  ({single_s:.3f} s for {m:,})"
    )
    print(
        f"  baseline: naive loop, containment only: {rate(k, naive_s)}  ({naive_s:.3f} s for {k:,})"
    )
    print(
        f"  baseline: naive loop, same rule (band):  {rate(k2, naive_full_s)}  ({naive_full_s:.3f} s for {k2:,}; verdicts agree {full_agree:.2%})"
    )
    print(
        f"  speed-up vs the same-rule naive loop: batch {(n / batch_s) / (k2 / naive_full_s):,.0f}x, one call {(m / single_s) / (k2 / naive_full_s):,.1f}x;"
        f" batch vs containment-only: {(n / batch_s) / (k / naive_s):,.0f}x"
    )
    print(
        f"  state found agrees with the naive lookup on {agree:.2%} of points; single vs batch verdicts agree on {single_agree:.2%}"
    )
    print(f"  target 100,000 checks/s: {'met' if n / batch_s >= 100_000 else 'NOT met'} (batch)")


if __name__ == "__main__":
    main()
