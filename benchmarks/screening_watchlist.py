"""Watchlist screening at scale: 1,000,000 synthetic entries.

Figures (issue 5): screening one person p95 <= 10 ms, >= 200 persons/s on 2 cores, peak
memory < 1 GB, recall >= 0.99 on labelled variants, alerts on <= 2% of clean persons; printed
beside a full-scan rapidfuzz baseline (`process.extract` with WRatio over every listed name,
on a few queries) measured in the same run.

    .venv/bin/python benchmarks/screening_watchlist.py               # 1,000,000 entries
    .venv/bin/python benchmarks/screening_watchlist.py --entries 50000

Data: `portline.synthetic.screening_variants` (seeded): the names.py pools plus an invented long tail;
variants of listed people (each kind equally often) and clean people from the same universe.
Nothing touches the database: this measures the pure engine (`screening.match`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process

from portline.screening.match import ListedPerson, MatchPolicy, PartialDate, Query, WatchlistIndex
from portline.synthetic.screening_variants import (
    VARIANT_KINDS,
    NameUniverse,
    clean_people,
    labelled_variants,
    synthetic_entries,
)

INDEX: WatchlistIndex | None = None


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _query(q) -> Query:
    return Query(q.name, PartialDate.parse(q.date_of_birth), q.nationality)


def _screen_chunk(queries) -> int:
    assert INDEX is not None
    return sum(len(INDEX.search(_query(q))) for q in queries)


def main() -> None:
    global INDEX
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--variants", type=int, default=4000, help="labelled variant queries")
    parser.add_argument("--clean", type=int, default=4000, help="clean people")
    parser.add_argument("--baseline-queries", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--scored",
        type=int,
        default=MatchPolicy().candidates_scored,
        help="candidates scored per query",
    )
    args = parser.parse_args()

    print(f"Watchlist screening benchmark: {args.entries:,} entries, {os.cpu_count()} CPUs")
    universe = NameUniverse()
    sample_every = max(1, args.entries // 20000)
    sample = []

    def stream():
        for entry in synthetic_entries(seed=args.seed, count=args.entries, universe=universe):
            if entry.key % sample_every == 0:
                sample.append(entry)
            yield ListedPerson(
                entry.key, (entry.name, *entry.aliases), entry.dates_of_birth, entry.nationalities
            )

    started = time.perf_counter()
    INDEX = WatchlistIndex.build(stream(), MatchPolicy(candidates_scored=args.scored))
    build_s = time.perf_counter() - started
    names_count = INDEX.names_blob.count(b"\x1f") + len(INDEX)
    print(
        f"index built in {build_s:.1f} s: {len(INDEX):,} entries, {names_count:,} names, "
        f"{len(INDEX.vocab_list):,} distinct tokens, {len(INDEX.pair_keys):,} pair keys; peak RSS {_rss_mib():.0f} MiB"
    )

    variants = labelled_variants(sample, seed=args.seed + 1, count=args.variants)
    clean = list(clean_people(seed=args.seed + 2, count=args.clean, universe=universe))

    # Latency and quality, one process.
    latencies = []
    missed: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    alerted = 0
    why: Counter[str] = Counter()  # top hit's date-of-birth result, for alerted clean people
    for q in variants + clean:
        t0 = time.perf_counter()
        hits = INDEX.search(_query(q))
        latencies.append(time.perf_counter() - t0)
        if q.expected_key is None:
            alerted += bool(hits)
            if hits:
                why[hits[0].explanation["dob"]["result"]] += 1
        else:
            per_kind[q.kind] += 1
            if q.expected_key not in {h.key for h in hits}:
                missed[q.kind] += 1
    ms = np.array(latencies) * 1000
    recall = 1 - sum(missed.values()) / len(variants)
    alert_rate = alerted / len(clean)
    peak_rss = _rss_mib()

    # Throughput on the cores: forked workers share the built index (copy-on-write).
    queries = variants + clean
    chunks = [queries[i :: args.workers] for i in range(args.workers)]
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(args.workers) as pool:
        pool.map(_screen_chunk, chunks)
    wall = time.perf_counter() - started
    throughput = len(queries) / wall
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    # Baseline: a full scan with rapidfuzz over every listed name.
    names, owners = [], []
    for entry_no in range(len(INDEX)):
        for name in INDEX.entry(entry_no).names:
            names.append(name)
            owners.append(entry_no)
    base_queries = variants[: args.baseline_queries]
    base_times, base_found = [], 0
    for q in base_queries:
        t0 = time.perf_counter()
        top = process.extract(q.name, names, scorer=fuzz.WRatio, limit=10, score_cutoff=85)
        base_times.append(time.perf_counter() - t0)
        base_found += any(int(INDEX.keys[owners[i]]) == q.expected_key for _n, _s, i in top)
    base_ms = np.array(base_times) * 1000

    print()
    print("| figure | target | indexed engine | full-scan rapidfuzz WRatio |")
    print("| --- | --- | --- | --- |")
    print(
        f"| screening one person, p95 | <= 10 ms | {np.percentile(ms, 95):.2f} ms | {np.percentile(base_ms, 95):.0f} ms |"
    )
    print(
        f"| screening one person, p50 / mean | | {np.percentile(ms, 50):.2f} / {ms.mean():.2f} ms | {np.percentile(base_ms, 50):.0f} / {base_ms.mean():.0f} ms |"
    )
    print(
        f"| persons per second, {args.workers} workers | >= 200 | {throughput:.0f} | {args.workers * 1000 / base_ms.mean():.1f} |"
    )
    print(
        f"| recall on labelled variants | >= 0.99 | {recall:.4f} ({len(variants)} queries) | {base_found / max(1, len(base_queries)):.2f} (top 10, {len(base_queries)} queries) |"
    )
    print(
        f"| clean persons alerted | <= 2% | {100 * alert_rate:.2f}% ({len(clean)} people) | not measured |"
    )
    print(
        f"| peak RSS (index process) | < 1024 MiB | {peak_rss:.0f} MiB | {_rss_mib():.0f} MiB with the name list |"
    )
    print(f"| peak RSS (a worker) | | {child_rss:.0f} MiB | |")
    print()
    print(
        "recall by variant kind: "
        + ", ".join(
            f"{kind} {1 - missed[kind] / per_kind[kind]:.3f}"
            for kind in VARIANT_KINDS
            if per_kind[kind]
        )
    )
    print(
        "clean people alerted, by the top hit's date-of-birth comparison: "
        + (", ".join(f"{k} {v}" for k, v in why.most_common()) or "none")
    )
    print(f"index build {build_s:.1f} s (once per list version, per process)")


if __name__ == "__main__":
    main()
