"""Figure: each group size's chance of selection relative to one person's, per port, over
many seeded draws at 280,000 requests a day with the eight ports' capacities, for engine versions 1 and 2 in the same run.

Each draw: 280,000 requests with the synthetic size mix (portline.synthetic.generator), first
choices in proportion to capacity, half with a second choice, registration dates redrawn
each time over 270 days; capacities San Ysidro 385, Brownsville 380, El Paso 175, Eagle Pass
and Hidalgo 120, Nogales and Laredo 100, Calexico 70; reserved share 50 %; the seed of draw d
is SHA-256("fairness-draw-d"). Version 2's weights are computed from each draw's frozen size
mix, as at freeze. A request counts as selected when it wins anywhere (first or second
choice) and is counted at its first port. Printed per port and size: chance relative to one
person, with a 95 % interval (normal approximation on the counts), pooled sizes 6-10, and the
places left empty per day.

    .venv/bin/python benchmarks/allocation_fairness.py --draws 10000 --processes 2
    # or in batches (draws 0-4999, then 5000-9999), combined afterwards:
    .venv/bin/python benchmarks/allocation_fairness.py --draws 5000 --save a.npz
    .venv/bin/python benchmarks/allocation_fairness.py --draws 5000 --first 5000 --save b.npz
    .venv/bin/python benchmarks/allocation_fairness.py --combine a.npz b.npz
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import numpy as np

from benchmarks.allocation_data import CAPACITY, PORTS
from portline.allocation import engine
from portline.allocation.fairness import size_chances, v2_weights
from portline.synthetic.generator import GROUP_SIZE_WEIGHTS, GROUP_SIZES

REQUESTS_PER_DAY = 280_000
RESERVED = 50
CAPACITIES = [CAPACITY[p] for p in PORTS]
VERSIONS = ("1", "2")
FIRST_DAY, DAYS = 739000, 270


def share_of_day(day: int, key: int) -> float:
    """Chance that a request with a random registration day and key comes before (day, key)
    in the longest-waiting order."""
    return ((day - FIRST_DAY) + key / 2**64) / DAYS


def virtual_chances(trace, weights, position) -> np.ndarray:
    """Engine version 2, one draw: per port and size s, the exact chance that one more request
    of s people (random registration day, random key, weight w_s) would have been selected,
    given everyone else's draw. Reserved share: it is taken when it comes before the first
    request the share did not take. Walk: it is reached before the k-th draw with chance
    w_s / (W_k + w_s) (W_k: weight left), and taken when at least s places are then left; the
    other requests' order is unchanged until it is reached. Much less noisy than counting
    wins (a Rao-Blackwell estimate of the same chance); second choices are ignored (none win
    at this demand)."""
    out = np.zeros((len(trace), 10))
    for port, (stop, steps) in enumerate(trace):
        reserved = 0.0 if stop is None else position(*stop)
        left = np.array([w for w, _ in steps], dtype=float)
        places = np.array([p for _, p in steps])
        for size in range(1, 11):
            w = weights[port][size - 1]
            mask = places >= size
            missed = float(np.exp(np.sum(np.log(left[mask] / (left[mask] + w)))))
            out[port, size - 1] = reserved + (1 - reserved) * (1 - missed)
    return out


def draws(first_draw: int, count: int) -> dict[str, np.ndarray]:
    """Tallies over draws first_draw .. first_draw + count - 1 (one worker's share)."""
    ports = len(PORTS)
    out = {"requests": np.zeros((ports, 10))}
    out["virtual"] = np.zeros((ports, 10))
    out["virtual_squares"] = np.zeros((ports, 10))
    out["virtual_cross"] = np.zeros((ports, 10))
    for version in VERSIONS:
        out[f"won{version}"] = np.zeros((ports, 10))
        out[f"empty{version}"] = np.zeros(ports)
    weights_share = np.array(CAPACITIES, dtype=float) / sum(CAPACITIES)
    for number in range(first_draw, first_draw + count):
        rng = np.random.default_rng([20261130, number])
        n = REQUESTS_PER_DAY
        sizes = rng.choice(GROUP_SIZES, size=n, p=GROUP_SIZE_WEIGHTS).astype(np.int64)
        first = rng.choice(ports, size=n, p=weights_share).astype(np.int64)
        second = np.where(rng.random(n) < 0.5, (first + rng.integers(1, ports, n)) % ports, -1)
        days = FIRST_DAY + rng.integers(0, DAYS, n)
        cells = first * 10 + sizes - 1
        out["requests"] += np.bincount(cells, minlength=ports * 10).reshape(ports, 10)
        weights = [
            v2_weights(
                CAPACITIES[p], RESERVED, np.bincount(sizes[first == p] - 1, minlength=10).tolist()
            )
            for p in range(ports)
        ]
        seed = hashlib.sha256(f"fairness-draw-{number}".encode()).digest()
        for version in VERSIONS:
            result = engine.allocate(
                engine.RoundInput(
                    seed=seed,
                    capacities=CAPACITIES,
                    reserved_percent=RESERVED,
                    standby_percent=0,
                    group_size=sizes,
                    first_port=first,
                    second_port=second,
                    registered_day=days,
                    engine_version=version,
                    size_weights=weights,
                )
            )
            if version == "2":
                chances = virtual_chances(result.trace, weights, share_of_day)
                out["virtual"] += chances
                out["virtual_squares"] += chances**2
                out["virtual_cross"] += chances * chances[:, :1]
            won = np.concatenate(result.selected)
            out[f"won{version}"] += np.bincount(cells[won], minlength=ports * 10).reshape(ports, 10)
            out[f"empty{version}"] += [
                c - int(sizes[s].sum()) for c, s in zip(CAPACITIES, result.selected, strict=True)
            ]
    return out


def ratio(won: np.ndarray, requests: np.ndarray, size: slice | int) -> tuple[float, float]:
    """Chance of `size` relative to size 1, and the half-width of its 95 % interval."""
    w, r = won[size].sum(), requests[size].sum()
    w1, r1 = won[0], requests[0]
    value = (w / r) / (w1 / r1)
    spread = value * math.sqrt(1 / max(w, 1) + 1 / max(w1, 1))
    return value, 1.96 * spread


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--first", type=int, default=0, help="number of the first draw")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--save", help="also save the tallies here (.npz), to combine batches")
    parser.add_argument(
        "--combine", nargs="+", help="print the figure from saved batches instead of drawing"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    if args.combine:
        batches = [dict(np.load(path)) for path in args.combine]
        totals = {key: sum(b[key] for b in batches) for key in batches[0] if key != "draws"}
        args.draws = int(sum(b["draws"] for b in batches))
    else:
        share = -(-args.draws // args.processes)
        parts = [
            (args.first + start, min(share, args.draws - start))
            for start in range(0, args.draws, share)
        ]
        with ProcessPoolExecutor(args.processes) as pool:
            results = list(pool.map(draws, *zip(*parts, strict=True)))
        totals = {key: sum(r[key] for r in results) for key in results[0]}
        if args.save:
            np.savez(args.save, draws=args.draws, **totals)
    elapsed = time.perf_counter() - started
    print(
        f"{args.draws:,} seeded draws of {REQUESTS_PER_DAY:,} requests, {sum(CAPACITIES):,} places, "
        f"reserved {RESERVED} %, in {elapsed:.0f} s ({args.processes} processes)"
    )
    requests = totals["requests"]
    mix = requests.sum(axis=0) / requests.sum()
    n = args.draws
    mean = totals["virtual"] / n
    variance = totals["virtual_squares"] / n - mean**2
    covariance = totals["virtual_cross"] / n - mean * mean[:, :1]
    print(
        "\nengine version 2, exact chance of one more request of s people given each draw "
        "(a Rao-Blackwell estimate), relative to one person, with a 95 % interval (delta method):"
    )
    print("port  " + "  ".join(f"{s:>13}" for s in range(2, 11)))
    worst_virtual = 0.0
    for p, code in enumerate(PORTS):
        ratios = mean[p] / mean[p][0]
        linear = variance[p] + ratios**2 * variance[p][0] - 2 * ratios * covariance[p]
        half = 1.96 * np.sqrt(np.maximum(linear, 0) / n) / mean[p][0]
        worst_virtual = max(worst_virtual, float(np.max(np.abs(ratios - 1) + half)))
        print(
            f"{code:<4}  "
            + "  ".join(f"{r:6.4f}±{h:6.4f}" for r, h in zip(ratios[1:], half[1:], strict=True))
        )
    print(f"largest |ratio - 1| plus its 95 % half-width: {worst_virtual:.4f} (target <= 0.02)")
    for version in VERSIONS:
        won = totals[f"won{version}"]
        print(
            f"\nengine version {version}: chance of a group of s relative to one person (95 % interval)"
        )
        print(
            "port  places  "
            + "  ".join(f"{s:>12}" for s in [*range(2, 11), "6-10"])
            + "   model s=10   empty/day"
        )
        worst = 0.0
        for p, code in enumerate(PORTS):
            cells = []
            for size in [*range(1, 10), slice(5, 10)]:
                value, half = ratio(won[p], requests[p], size)
                cells.append(f"{value:5.3f}±{half:5.3f}")
                if isinstance(size, int):
                    worst = max(worst, abs(value - 1))
            model = size_chances(
                engine_version=version,
                capacity=CAPACITIES[p],
                reserved_percent=RESERVED,
                counts=(mix * REQUESTS_PER_DAY * CAPACITIES[p] / sum(CAPACITIES)).round().tolist(),
            )
            empty = totals[f"empty{version}"][p] / args.draws
            print(
                f"{code:<4}  {CAPACITIES[p]:>6}  "
                + "  ".join(f"{c:>12}" for c in cells)
                + f"   {model[9] / model[0]:10.3f}   {empty:5.2f} ({100 * empty / CAPACITIES[p]:.2f} %)"
            )
        pooled, half = ratio(won.sum(axis=0), requests.sum(axis=0), slice(5, 10))
        empty_total = totals[f"empty{version}"].sum() / args.draws
        print(
            f"all ports: sizes 6-10 {pooled:.3f}±{half:.3f}; largest |ratio - 1| of one size at one port "
            f"{worst:.3f}; places left empty {empty_total:.2f} a day ({100 * empty_total / sum(CAPACITIES):.2f} % of capacity)"
        )


if __name__ == "__main__":
    main()
