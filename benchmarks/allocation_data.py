"""Shared data for the allocation benchmarks (not a figure script itself).

A day of 1,000,000 eligible requests: groups of 1-10 with the synthetic population's size
weights (portline.synthetic.generator), first choices over the 8 ports in proportion to
capacity, half with a second choice, registration dates over the last 270 days. Vectorised
with numpy (the per-person generator would take minutes at this size); same seed, same data.
"""

from __future__ import annotations

import hashlib

import numpy as np

from portline.synthetic.generator import GROUP_SIZE_WEIGHTS, GROUP_SIZES

PORTS = ("BRO", "CXL", "EGP", "ELP", "HID", "LRD", "NOG", "SYS")  # canonical (code) order
CAPACITY = {
    "SYS": 385,
    "CXL": 70,
    "NOG": 100,
    "ELP": 175,
    "EGP": 120,
    "LRD": 100,
    "HID": 120,
    "BRO": 380,
}
REQUESTS = 1_000_000
SEED = 20240731


def requests(count: int = REQUESTS, seed: int = SEED) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    weights = np.array([CAPACITY[p] for p in PORTS], dtype=float)
    first = rng.choice(len(PORTS), size=count, p=weights / weights.sum())
    second = np.where(
        rng.random(count) < 0.5, (first + rng.integers(1, len(PORTS), count)) % len(PORTS), -1
    )
    return {
        "group_size": rng.choice(GROUP_SIZES, size=count, p=GROUP_SIZE_WEIGHTS).astype(np.int64),
        "first_port": first.astype(np.int64),
        "second_port": second.astype(np.int64),
        "registered_day": (739000 + rng.integers(0, 270, count)).astype(np.int64),
    }


def seed_bytes() -> bytes:
    return hashlib.sha256(b"benchmark beacon value").digest()


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_allocate(
    seed: bytes,
    hashes: list[bytes],
    data: dict[str, np.ndarray],
    capacities: list[int],
    reserved_percent: int,
):
    """The straightforward way: a Python loop that hashes each request with the seed
    (SHA-256(seed || request hash)), sorts by that digest, and fills each port in turn."""
    sizes = data["group_size"].tolist()
    first = data["first_port"].tolist()
    day = data["registered_day"].tolist()
    keyed = []
    for i, request_hash in enumerate(hashes):
        keyed.append((hashlib.sha256(seed + request_hash).digest(), i))
    keyed.sort()
    by_port = [[] for _ in capacities]
    for key, i in keyed:
        by_port[first[i]].append((key, i))
    taken = [False] * len(sizes)
    selected = [[] for _ in capacities]
    for port, capacity in enumerate(capacities):
        share = capacity * reserved_percent // 100
        waiting = sorted((day[i], key, i) for key, i in by_port[port])
        left = share
        for _day, _key, i in waiting:
            if left == 0:
                break
            if sizes[i] <= left:
                taken[i] = True
                selected[port].append(i)
                left -= sizes[i]
        left = capacity - sum(sizes[i] for i in selected[port])
        for _key, i in by_port[port]:
            if left == 0:
                break
            if not taken[i] and sizes[i] <= left:
                taken[i] = True
                selected[port].append(i)
                left -= sizes[i]
    return selected
