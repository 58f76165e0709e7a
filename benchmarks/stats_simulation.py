"""Figure: a 90-day capacity simulation at 280,000 requests a day (target: within 2 minutes).

Runs `portline simulate`'s engine (`portline.stats.simulation.simulate`: the real allocation
engine each day over population arrays) with the eight ports' capacity shares, and, in the
same run, the baseline: building the same day-one pool with the object generator
(`portline.synthetic.generator.iter_registrations`), which the simulation's array population
replaces (timed on a tenth of the pool and scaled, as noted).

    .venv/bin/python benchmarks/stats_simulation.py [--days 90] [--daily-requests 280000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import numpy as np

from benchmarks.allocation_data import peak_rss_mb
from portline.stats.simulation import SimulationParams, simulate
from portline.synthetic.generator import iter_registrations
from portline.synthetic.population import population

PORTS = ("SYS", "CXL", "NOG", "ELP", "EGP", "LRD", "HID", "BRO")
WEIGHTS = (385.0, 70.0, 100.0, 175.0, 120.0, 100.0, 120.0, 380.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--daily-requests", type=int, default=280_000)
    parser.add_argument("--capacity", type=int, default=1_450)
    parser.add_argument("--split", type=float, default=0.3)
    args = parser.parse_args()
    params = SimulationParams(
        days=args.days,
        daily_requests=args.daily_requests,
        capacity=args.capacity,
        split=args.split,
        port_codes=PORTS,
        port_weights=WEIGHTS,
    )
    pool = round(args.daily_requests / params.repeat_rate)

    began = time.perf_counter()
    population(
        np.random.default_rng(1), pool, port_weights=np.array(WEIGHTS), first_day=-240, last_day=-1
    )
    arrays = time.perf_counter() - began
    sample = max(pool // 10, 1)
    began = time.perf_counter()
    for _ in iter_registrations(seed=1, count=sample, today=dt.date(2026, 11, 30)):
        pass
    objects = (time.perf_counter() - began) * pool / sample
    print(
        f"day-one pool of {pool:,} units: arrays {arrays:.2f} s; baseline object generator {objects:.1f} s (scaled from {sample:,})"
    )

    last = {"t": time.perf_counter()}

    def progress(day: int) -> None:
        if day % 10 == 0:
            print(f"  day {day}: {time.perf_counter() - last['t']:.1f} s", flush=True)

    began = time.perf_counter()
    last["t"] = began
    result = simulate(params, progress)
    elapsed = time.perf_counter() - began
    w = result.wait_days
    print(
        f"Portline  {args.days}-day simulation at {args.daily_requests:,} requests a day: {elapsed:.1f} s "
        f"(target <= 120 s); median wait {w['p50']:.0f} days, p90 {w['p90']:.0f}; "
        f"backlog {result.backlog_people[-1]:,} people"
    )
    print(f"peak memory: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
