"""Figure: statistics aggregates over 10,000,000 decision rows (target: within 1 second).

Generates one row per decision (month, port, nationality, outcome) with a seeded numpy
generator, writes it as the Parquet snapshot Portline's statistics read
(`portline.stats.snapshot.write_rows`'s format, via pyarrow), and times, in the same run:

- Portline: DuckDB over the Parquet file (`portline.stats.snapshot.read_counts`), then the
  suppression of every month's layer (`protect_layer`, first time, no cache);
- baseline: the same GROUP BY in SQLite over the same rows in one table (the database path
  Portline uses without a snapshot, minus its joins, so a lower bound for it);
- with --postgres, also PostgreSQL's GROUP BY over the same rows (COPY-loaded).

    .venv/bin/python benchmarks/stats_aggregates.py [--rows 10000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.allocation_data import peak_rss_mb
from portline.stats.snapshot import read_counts
from portline.stats.suppression import protect_layer
from portline.synthetic.population import NATIONALITIES

PORTS = ["SYS", "CXL", "NOG", "ELP", "EGP", "LRD", "HID", "BRO"]
PORT_W = np.array([385, 70, 100, 175, 120, 100, 120, 380], dtype=float)
OUTCOMES = ["parole", "notice_to_appear", "detention", "return", "withdrawal"]
OUTCOME_W = np.array([0.9, 0.05, 0.03, 0.015, 0.005])


def generate(rows: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    months = np.array(
        [np.datetime64(f"{2023 + m // 12}-{m % 12 + 1:02d}-01") for m in range(24)],
        dtype="datetime64[D]",
    )
    nat_w = np.array([1.0 / (i + 1) for i in range(len(NATIONALITIES))])
    return {
        "month": months[rng.integers(0, 24, rows)],
        "port": rng.choice(len(PORTS), rows, p=PORT_W / PORT_W.sum()).astype(np.int8),
        "nat": rng.choice(len(NATIONALITIES), rows, p=nat_w / nat_w.sum()).astype(np.int8),
        "outcome": rng.choice(len(OUTCOMES), rows, p=OUTCOME_W).astype(np.int8),
    }


def write_parquet(data, path: Path) -> None:
    table = pa.table(
        {
            "month": pa.array(data["month"], type=pa.date32()),
            "port": pa.DictionaryArray.from_arrays(data["port"], pa.array(PORTS)).cast(pa.string()),
            "nat": pa.DictionaryArray.from_arrays(data["nat"], pa.array(NATIONALITIES)).cast(
                pa.string()
            ),
            "outcome": pa.DictionaryArray.from_arrays(data["outcome"], pa.array(OUTCOMES)).cast(
                pa.string()
            ),
        }
    )
    pq.write_table(table, path, compression="zstd")


def layers_from(groups):
    layers: dict = {}
    for month, port, nat, outcome, n in groups:
        layers.setdefault(month, {})[(port, nat, outcome)] = int(n)
    return layers


def sqlite_baseline(data, folder: Path) -> tuple[float, int]:
    con = sqlite3.connect(folder / "baseline.sqlite3")
    con.execute("CREATE TABLE decision (month TEXT, port TEXT, nat TEXT, outcome TEXT)")
    months = data["month"].astype(str)
    ports = np.array(PORTS)[data["port"]]
    nats = np.array(NATIONALITIES)[data["nat"]]
    outcomes = np.array(OUTCOMES)[data["outcome"]]
    step = 500_000
    for start in range(0, months.size, step):
        end = start + step
        con.executemany(
            "INSERT INTO decision VALUES (?, ?, ?, ?)",
            zip(
                months[start:end].tolist(),
                ports[start:end].tolist(),
                nats[start:end].tolist(),
                outcomes[start:end].tolist(),
                strict=True,
            ),
        )
    con.commit()
    began = time.perf_counter()
    groups = con.execute(
        "SELECT month, port, nat, outcome, count(*) FROM decision GROUP BY month, port, nat, outcome"
    ).fetchall()
    elapsed = time.perf_counter() - began
    con.close()
    return elapsed, len(groups)


def postgres_baseline(data, url: str) -> tuple[float, int]:
    import io

    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS bench_decision")
        con.execute(
            "CREATE UNLOGGED TABLE bench_decision (month date, port text, nat text, outcome text)"
        )
        months = data["month"].astype(str)
        ports = np.array(PORTS)[data["port"]]
        nats = np.array(NATIONALITIES)[data["nat"]]
        outcomes = np.array(OUTCOMES)[data["outcome"]]
        with con.cursor().copy("COPY bench_decision FROM STDIN") as copy:
            step = 500_000
            for start in range(0, months.size, step):
                end = start + step
                buffer = io.StringIO()
                for row in zip(
                    months[start:end],
                    ports[start:end],
                    nats[start:end],
                    outcomes[start:end],
                    strict=True,
                ):
                    buffer.write("\t".join(row) + "\n")
                copy.write(buffer.getvalue())
        con.execute("ANALYZE bench_decision")
        began = time.perf_counter()
        groups = con.execute(
            "SELECT month, port, nat, outcome, count(*) FROM bench_decision GROUP BY 1, 2, 3, 4"
        ).fetchall()
        elapsed = time.perf_counter() - began
        con.execute("DROP TABLE bench_decision")
    return elapsed, len(groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--postgres", help="also time PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--threshold", type=int, default=10)
    args = parser.parse_args()
    import django

    django.setup()
    began = time.perf_counter()
    data = generate(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "decisions.parquet"
        write_parquet(data, path)
        print(
            f"{args.rows:,} decision rows generated and written as Parquet in {time.perf_counter() - began:.1f} s ({path.stat().st_size / 1e6:.0f} MB)"
        )

        runs = []
        for _ in range(3):
            began = time.perf_counter()
            groups = read_counts(path, with_outcome=True)
            runs.append(time.perf_counter() - began)
        print(
            f"Portline  DuckDB over Parquet GROUP BY: {min(runs):.3f} s (best of 3; {len(groups):,} groups)"
        )
        layers = layers_from(groups)
        began = time.perf_counter()
        for counts in layers.values():
            protect_layer(("port", "nationality", "outcome"), counts, args.threshold)
        protect = time.perf_counter() - began
        print(f"Portline  suppression of {len(layers)} monthly layers: {protect:.3f} s")
        print(
            f"Portline  aggregates + suppression: {min(runs) + protect:.3f} s (target <= 1 s for the aggregates)"
        )

        elapsed, count = sqlite_baseline(data, folder)
        print(f"baseline  SQLite GROUP BY over the same rows: {elapsed:.3f} s ({count:,} groups)")
        if args.postgres:
            elapsed, count = postgres_baseline(data, args.postgres)
            print(
                f"baseline  PostgreSQL GROUP BY over the same rows: {elapsed:.3f} s ({count:,} groups)"
            )
    print(f"peak memory: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
