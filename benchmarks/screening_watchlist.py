"""Watchlist screening at scale: 1,000,000 synthetic entries, two evaluation sets, and the
OpenSanctions matcher beside ours in the same run.

Figures: screening one person p95 <= 10 ms, >= 200 persons/s on 2 cores,
peak memory < 1 GB; recall >= 0.99 on the own-generator variants, >= 0.95 on the outside set
with date of birth and nationality and >= 0.90 on names alone; clean persons alerted <= 2%.

    .venv/bin/python benchmarks/screening_watchlist.py               # 1,000,000 entries
    .venv/bin/python benchmarks/screening_watchlist.py --entries 50000 --peer-queries 100

Data:
- the list: `portline.synthetic.screening_variants` (seeded) makes the 1,000,000 entries, as
  before; the outside set's listed people (`screening_outside.py`) are added to it;
- own-generator variants and clean people from the same seeded universe;
- the outside set: names and schemes Portline did not write (`screening_outside.py`); its
  reporting part gives the headline, its tuning part is printed apart.

The peer: OpenSanctions' nomenklatura LogicV2 (`screening_opensanctions.py`) runs in its own
virtual environment, `.venv-opensanctions/` (created here on first use with nomenklatura
4.17.4 and followthemoney 4.11.2 from PyPI; its pins would clash with Portline's), on the same
list and on a sample of the same queries (`--peer-queries` per group). `--no-peer` skips it.
The engine before: `screening_engine_before.py`, a frozen copy of engine 3 as released (before
the search's speed-ups), screens the same list and queries in the same run, taking turns with
ours on each query; `--no-before` skips it. Ratios to it hold better than absolute times on
a shared machine.
Nothing touches the database: this measures the pure engine (`screening.match`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import screening_engine_before
from rapidfuzz import fuzz, process
from screening_outside import CATEGORIES, outside_set

from portline.screening.match import (
    ENGINE_VERSION,
    ListedPerson,
    MatchPolicy,
    PartialDate,
    Query,
    WatchlistIndex,
)
from portline.screening.names import warm_up
from portline.synthetic.screening_variants import (
    VARIANT_KINDS,
    NameUniverse,
    clean_people,
    labelled_variants,
    synthetic_entries,
)

ROOT = Path(__file__).resolve().parent.parent
INDEX: Any = None  # the index the forked workers screen with


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _query(q) -> Query:
    return Query(q.name, PartialDate.parse(q.date_of_birth), q.nationality)


PEER_VENV = ROOT / ".venv-opensanctions"
PEER_PACKAGES = ("nomenklatura==4.17.4", "followthemoney==4.11.2")


def _peer_python() -> Path:
    """The peer's own virtual environment, created on first use (PyPI only)."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {PEER_VENV} with {', '.join(PEER_PACKAGES)} (once)", flush=True)
        # fixed arguments: our own interpreter, venv and pinned packages
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)  # noqa: S603
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)  # noqa: S603
    return python


def _percentiles(ms: np.ndarray) -> str:
    if not len(ms):
        return "-"
    return f"{np.percentile(ms, 95):.2f} / {np.percentile(ms, 50):.2f} / {ms.mean():.2f}"


def main() -> None:
    global INDEX
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--variants", type=int, default=4000, help="own-generator variants")
    parser.add_argument("--clean", type=int, default=4000, help="own-generator clean people")
    parser.add_argument("--outside-per-category", type=int, default=300)
    parser.add_argument("--outside-clean", type=int, default=1000)
    parser.add_argument("--peer-queries", type=int, default=150, help="per group, for the peer")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--baseline-queries", type=int, default=0, help="full-scan rapidfuzz")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-before",
        action="store_true",
        help="skip the engine before (benchmarks/screening_engine_before.py: engine 3 as "
        "released, before the search's speed-ups)",
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--scored",
        type=int,
        default=MatchPolicy().candidates_scored,
        help="candidates scored per query",
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # iuliia's own deprecations

    print(f"Watchlist screening benchmark: {args.entries:,} entries, {os.cpu_count()} CPUs")
    started = time.perf_counter()
    warm_up()
    print(f"rigour and the transliteration tables loaded in {time.perf_counter() - started:.1f} s")
    outside_listed, outside_queries = outside_set(
        seed=args.seed + 10,
        per_category=args.outside_per_category,
        clean=args.outside_clean,
        first_key=10 * max(args.entries, 1_000_000),
    )
    universe = NameUniverse()
    sample_every = max(1, args.entries // 20000)
    sample = []

    def stream(person_type=ListedPerson, keep_sample=True):
        for entry in synthetic_entries(seed=args.seed, count=args.entries, universe=universe):
            if keep_sample and entry.key % sample_every == 0:
                sample.append(entry)
            yield person_type(
                entry.key, (entry.name, *entry.aliases), entry.dates_of_birth, entry.nationalities
            )
        for person in outside_listed:
            yield person_type(
                person.key,
                (person.name,),
                (PartialDate.parse(person.date_of_birth),),
                (person.nationality,),
            )

    started = time.perf_counter()
    INDEX = WatchlistIndex.build(stream(), MatchPolicy(candidates_scored=args.scored))
    build_s = time.perf_counter() - started
    names_count = INDEX.names_blob.count(b"\x1f") + len(INDEX)
    print(
        f"index built in {build_s:.1f} s: {len(INDEX):,} entries ({len(outside_listed):,} from "
        f"the outside set), {names_count:,} names, {len(INDEX.vocab_list):,} distinct tokens, "
        f"{len(INDEX.pair_keys):,} pair keys; peak RSS {_rss_mib():.0f} MiB",
        flush=True,
    )

    variants = labelled_variants(sample, seed=args.seed + 1, count=args.variants)
    clean = list(clean_people(seed=args.seed + 2, count=args.clean, universe=universe))

    # Every query: (group, id, Query, expected key or None, label)
    runs: list[tuple[str, str, Query, int | None, str]] = []
    for n, q in enumerate(variants):
        runs.append(("own", f"o{n}", _query(q), q.expected_key, q.kind))
    for n, q in enumerate(clean):
        runs.append(("own-clean", f"c{n}", _query(q), None, "clean"))
    for n, q in enumerate(outside_queries):
        full = Query(q.name, PartialDate.parse(q.date_of_birth), q.nationality)
        group = "outside-clean" if q.expected_key is None else "outside"
        label = f"{q.part}:{q.category}"
        runs.append((group, f"x{n}", full, q.expected_key, label))
        runs.append((group + "-names", f"n{n}", Query(q.name), q.expected_key, label))

    ours_rss = _rss_mib()
    # The engine before (engine 3 as released, a frozen copy), on the same list and queries, in
    # the same run. Its
    # index is built after ours (our peak RSS is read before), and the two engines screen
    # each query in turn, alternating which goes first, so that the load of a shared machine
    # falls on both alike.
    before: dict = {}
    measured = [(INDEX, runs)]
    if not args.no_before:
        started = time.perf_counter()
        before_index = screening_engine_before.WatchlistIndex.build(
            stream(screening_engine_before.ListedPerson, keep_sample=False),
            screening_engine_before.MatchPolicy(candidates_scored=args.scored),
        )
        before["build_s"] = time.perf_counter() - started
        before_runs = [
            (
                g,
                i,
                screening_engine_before.Query(
                    q.name,
                    screening_engine_before.PartialDate.parse(
                        str(q.date_of_birth) if q.date_of_birth else None
                    ),
                    q.nationality,
                ),
                e,
                lab,
            )
            for g, i, q, e, lab in runs
        ]
        measured.append((before_index, before_runs))
    results = _measure(measured)
    seconds, ours, found, asked = results[0]
    peak_rss = _rss_mib()
    all_ms = np.array(list(seconds.values())) * 1000
    throughput = _throughput(runs, args.workers)
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if before:
        b_seconds, b_keys, b_found, b_asked = results[1]
        before["same_hits"] = sum(ours[qid] == b_keys[qid] for qid in ours)
        before["ms"] = np.array(list(b_seconds.values())) * 1000
        before["counts"] = (b_found, b_asked)
        ours_index = INDEX
        INDEX = before_index
        before["throughput"] = _throughput(before_runs, args.workers)
        INDEX = ours_index
        del ours_index, before_index
        print(
            f"before: build {before['build_s']:.0f} s, p95 {np.percentile(before['ms'], 95):.2f}"
            f" ms, {before['throughput']:.0f} persons/s; the same hits (keys, in order) as ours"
            f" on {before['same_hits']:,} of {len(ours):,} queries",
            flush=True,
        )

    def rate(group: str, prefix: str = "", counts=None) -> tuple[float, int]:
        f, a = counts or (found, asked)
        keys = [k for k in a if k[0] == group and k[1].startswith(prefix)]
        n = sum(a[k] for k in keys)
        return (sum(f[k] for k in keys) / n if n else float("nan")), n

    # Our figures first, so that a long peer run cannot lose them.
    print(
        "engine {}: outside recall (reporting) dob+nat {:.4f}, names {:.4f}; outside clean alerted"
        " {:.4f} / names {:.4f}; own recall {:.4f}, own clean alerted {:.4f}; p95 {:.2f} ms, "
        "{:.0f} persons/s, peak RSS {:.0f} MiB".format(
            ENGINE_VERSION,
            rate("outside", "reporting")[0],
            rate("outside-names", "reporting")[0],
            rate("outside-clean")[0],
            rate("outside-clean-names")[0],
            rate("own")[0],
            rate("own-clean")[0],
            np.percentile(all_ms, 95),
            throughput,
            peak_rss,
        ),
        flush=True,
    )

    # The peer, on a sample of the same queries.
    peer: dict[str, dict] = {}
    peer_info = {}
    if not args.no_peer:
        work = ROOT / "var" / "bench-screening"
        work.mkdir(parents=True, exist_ok=True)
        sampled = []
        for group in (
            "own",
            "own-clean",
            "outside",
            "outside-names",
            "outside-clean",
            "outside-clean-names",
        ):
            rows = [r for r in runs if r[0] == group and not r[4].startswith("tuning")]
            step = max(1, len(rows) // max(1, args.peer_queries))
            sampled += rows[::step][: args.peer_queries]
        with open(work / "entries.jsonl", "w", encoding="utf-8") as out:
            for entry_no in range(len(INDEX)):
                e = INDEX.entry(entry_no)
                out.write(
                    json.dumps(
                        {
                            "key": e.key,
                            "names": list(e.names),
                            "dobs": [str(d) for d in e.dates_of_birth],
                            "nationalities": list(e.nationalities),
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        with open(work / "queries.jsonl", "w", encoding="utf-8") as out:
            for _group, qid, q, _e, _l in sampled:
                dob = str(q.date_of_birth) if q.date_of_birth else ""
                row = {"id": qid, "name": q.name, "dob": dob, "nationality": q.nationality}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"peer: nomenklatura LogicV2 on {len(sampled):,} of the same queries", flush=True)
        subprocess.run(  # noqa: S603 (our own venv and script, fixed arguments)
            [
                str(_peer_python()),
                str(ROOT / "benchmarks" / "screening_opensanctions.py"),
                str(work / "entries.jsonl"),
                str(work / "queries.jsonl"),
                str(work / "peer.json"),
            ],
            check=True,
        )
        peer_info = json.loads((work / "peer.json").read_text())
        peer = {r["id"]: r for r in peer_info["results"]}
        sample_rows = sampled
    else:
        sample_rows = []

    def side_by_side(group: str) -> str:
        rows = [r for r in sample_rows if r[0] == group]
        if not rows:
            return "| - | - |"
        ok_ours = ok_peer = 0
        for _g, qid, _q, expected, _l in rows:
            if expected is None:
                ok_ours += bool(ours[qid])
                ok_peer += bool(peer[qid]["hits"])
            else:
                ok_ours += expected in ours[qid]
                ok_peer += expected in peer[qid]["hits"]
        return f"| {ok_ours / len(rows):.3f} | {ok_peer / len(rows):.3f} ({len(rows)}) |"

    print()
    print(
        "load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    )

    def was(value: str) -> str:
        return f" {value} |" if before else " - |"

    print(
        f"| figure | target | Portline engine {ENGINE_VERSION} (all queries) | Portline, peer's "
        "sample | nomenklatura LogicV2, same sample | engine before: engine 3 as released (all "
        "queries) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for group, title, target in (
        ("outside", "recall, outside set (reporting part), dob + nationality", ">= 0.95"),
        ("outside-names", "recall, outside set (reporting part), names alone", ">= 0.90"),
        ("outside-clean", "outside clean persons alerted, dob + nationality", "<= 2%"),
        ("outside-clean-names", "outside clean persons alerted, names alone", ""),
        ("own", "recall, own-generator variants", ">= 0.99"),
        ("own-clean", "own-generator clean persons alerted", "<= 2%"),
    ):
        prefix = "" if "clean" in group or group.startswith("own") else "reporting"
        value, n = rate(group, prefix)
        old = rate(group, prefix, before["counts"])[0] if before else float("nan")
        print(
            f"| {title} | {target} | {value:.4f} ({n:,}) {side_by_side(group)}{was(f'{old:.4f}')}"
        )
    peer_ms = np.array([r["seconds"] for r in peer.values()]) * 1000
    ours_sample_ms = np.array([seconds[r[1]] for r in sample_rows]) * 1000
    print(
        f"| one person, p95 / p50 / mean ms | p95 <= 10 | {_percentiles(all_ms)} | "
        f"{_percentiles(ours_sample_ms)} | {_percentiles(peer_ms)} |"
        + was(_percentiles(before["ms"]) if before else "")
    )
    print(
        f"| persons per second, {args.workers} workers | >= 200 | {throughput:.0f} | | "
        f"{1000 / peer_ms.mean() if len(peer_ms) else float('nan'):.1f} (one process) |"
        + was(f"{before['throughput']:.0f}" if before else "")
    )
    print(
        f"| peak RSS | < 1024 MiB | {peak_rss:.0f} MiB (worker {child_rss:.0f}) | | "
        f"{peer_info.get('peak_rss_mib', float('nan')):.0f} MiB | (built after ours) |\n"
        f"| RSS after our index build, before the other engine's | | {ours_rss:.0f} MiB | | | |"
    )
    print(
        f"| index build | | {build_s:.0f} s | | {peer_info.get('build_s', float('nan')):.0f} s "
        "(token/metaphone blocking) |" + was(f"{before['build_s']:.0f} s" if before else "")
    )
    if before:
        # The machine is shared: the ratio to the engine before, measured in the same run,
        # holds better than either absolute figure.
        print(
            "ratio to the engine before (same run): p95 {:.2f}, p50 {:.2f}, mean {:.2f}, "
            "persons/s {:.2f}, index build {:.2f}".format(
                np.percentile(all_ms, 95) / np.percentile(before["ms"], 95),
                np.percentile(all_ms, 50) / np.percentile(before["ms"], 50),
                all_ms.mean() / before["ms"].mean(),
                throughput / before["throughput"],
                build_s / before["build_s"],
            )
        )
    print()
    print(
        "Outside set, recall by category (reporting part | tuning part), dob+nationality / names"
        " alone" + (" [engine before: reporting | tuning]" if before else "") + ":"
    )
    for category in CATEGORIES:
        cells = []
        old_cells = []
        for part in ("reporting", "tuning"):
            full, n = rate("outside", f"{part}:{category}")
            names, _n = rate("outside-names", f"{part}:{category}")
            cells.append(f"{full:.3f} / {names:.3f} ({n})")
            if before:
                old_full = rate("outside", f"{part}:{category}", before["counts"])[0]
                old_names = rate("outside-names", f"{part}:{category}", before["counts"])[0]
                old_cells.append(f"{old_full:.3f} / {old_names:.3f}")
        old = f"  [{old_cells[0]} | {old_cells[1]}]" if before else ""
        print(f"  {category:18} {cells[0]} | {cells[1]}{old}")
    by_detail: Counter[str] = Counter()
    miss_detail: Counter[str] = Counter()
    for q, (_g, qid, _q, expected, _l) in zip(
        (q for q in outside_queries for _ in (0, 1)),
        [r for r in runs if r[0].startswith("outside")],
        strict=True,
    ):
        if expected is not None and qid.startswith("x") and q.part == "reporting":
            by_detail[q.detail] += 1
            miss_detail[q.detail] += expected not in ours[qid]
    print("Outside set (reporting part, dob+nationality), misses by scheme or script:")
    for detail, n in sorted(by_detail.items()):
        if miss_detail[detail]:
            print(f"  {detail}: {miss_detail[detail]} of {n}")
    print()
    print(
        "own-generator recall by variant kind: "
        + ", ".join(
            f"{kind} {rate('own', kind)[0]:.3f}" for kind in VARIANT_KINDS if rate("own", kind)[1]
        )
    )
    if before:
        print(
            "engine before, by variant kind: "
            + ", ".join(
                f"{kind} {rate('own', kind, before['counts'])[0]:.3f}"
                for kind in VARIANT_KINDS
                if rate("own", kind)[1]
            )
        )
    if args.baseline_queries:
        names, owners = [], []
        for entry_no in range(len(INDEX)):
            for name in INDEX.entry(entry_no).names:
                names.append(name)
                owners.append(entry_no)
        base = [r for r in runs if r[0] == "own"][: args.baseline_queries]
        times, hit = [], 0
        for _g, _i, q, expected, _l in base:
            t0 = time.perf_counter()
            top = process.extract(q.name, names, scorer=fuzz.WRatio, limit=10, score_cutoff=85)
            times.append(time.perf_counter() - t0)
            hit += any(int(INDEX.keys[owners[i]]) == expected for _n, _s, i in top)
        print(
            f"full-scan rapidfuzz WRatio: {1000 * np.mean(times):.0f} ms per query, "
            f"top-10 recall {hit / len(base):.2f} ({len(base)} own-generator queries)"
        )


def _measure(measured):
    """Screen every query one by one with each (index, runs), taking turns per query (the
    first engine goes first on even queries, last on odd ones). For each engine: seconds,
    hit keys, found and asked, per query id and label."""
    results = [({}, {}, Counter(), Counter()) for _ in measured]
    for n in range(len(measured[0][1])):
        order = list(range(len(measured)))
        if n % 2:
            order.reverse()
        for which in order:
            index, runs = measured[which]
            seconds, keys_of, found, asked = results[which]
            group, qid, query, expected, label = runs[n]
            t0 = time.perf_counter()
            hits = index.search(query)
            seconds[qid] = time.perf_counter() - t0
            keys = [h.key for h in hits]
            keys_of[qid] = keys
            asked[(group, label)] += 1
            found[(group, label)] += (expected in keys) if expected is not None else bool(keys)
    return results


def _throughput(runs, workers: int) -> float:
    """Persons per second on the cores: forked workers share the built index (copy-on-write)."""
    queries = [q for _g, _i, q, _e, _l in runs]
    chunks = [queries[i::workers] for i in range(workers)]
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(workers) as pool:
        pool.map(_screen_chunk_queries, chunks)
    return len(queries) / (time.perf_counter() - started)


def _screen_chunk_queries(queries) -> int:
    assert INDEX is not None
    return sum(len(INDEX.search(q)) for q in queries)


if __name__ == "__main__":
    main()
