"""A Parquet snapshot of the rows behind the statistics, aggregated with DuckDB.

With `PORTLINE_STATS_PARQUET_DIR` set, `measure_counts` reads `<measure>.parquet` there
instead of grouping in the database: at tens of millions of rows DuckDB over Parquet
answers in well under a second (benchmarks/stats_aggregates.py), and the statistics stop
loading the database that serves applicants. `portline stats snapshot` writes the files
(one row per person and event: month, port, nationality[, outcome]); each file is written
beside its final name and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

COLUMNS = ("month", "port", "nat", "outcome")
BATCH = 100_000


def _schema(with_outcome: bool) -> pa.Schema:
    fields = [
        pa.field("month", pa.date32()),
        pa.field("port", pa.string()),
        pa.field("nat", pa.string()),
    ]
    if with_outcome:
        fields.append(pa.field("outcome", pa.string()))
    return pa.schema(fields)


def _batches(rows: Iterable[tuple], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= BATCH:
            yield pa.RecordBatch.from_arrays(
                list(map(list, zip(*chunk, strict=True))), schema=schema
            )
            chunk = []
    if chunk:
        yield pa.RecordBatch.from_arrays(list(map(list, zip(*chunk, strict=True))), schema=schema)


def write_rows(path: Path, rows: Iterable[tuple], *, with_outcome: bool) -> int:
    """Write (month, port, nationality[, outcome]) rows; returns how many."""
    schema = _schema(with_outcome)
    partial = path.with_suffix(".parquet.partial")
    written = 0
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        for batch in _batches(rows, schema):
            writer.write_batch(batch)
            written += batch.num_rows
    partial.replace(path)
    return written


def read_counts(path: Path, *, with_outcome: bool) -> list[tuple]:
    """(month, port, nationality[, outcome], n) per group, by DuckDB over the Parquet file."""
    columns = "month, port, nat" + (", outcome" if with_outcome else "")
    with duckdb.connect() as con:
        return con.execute(
            f"SELECT {columns}, count(*) FROM read_parquet(?) GROUP BY {columns}",  # noqa: S608 - fixed column names
            [str(path)],
        ).fetchall()


def month_start(value: dt.date | dt.datetime) -> dt.date:
    return dt.date(value.year, value.month, 1)
