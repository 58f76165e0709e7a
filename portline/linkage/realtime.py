"""One new record against everything already linked, in milliseconds.

The batch run scores pairs in SQL; a single new registration cannot wait for that. This
module looks its candidates up by the same blocking keys (`engine.PREDICTION_BLOCKS`) in
sorted hash arrays, and scores each candidate in Python with the trained model's m/u
probabilities, level by level, the way the engine's comparisons define them (term-frequency
adjustments included). Pure: plain data in, plain data out.

Jaro-Winkler and Damerau-Levenshtein come from rapidfuzz here and from DuckDB in the batch:
on rare borderline strings the two may put a pair in neighbouring levels.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from portline.linkage import engine

Pred = Callable[[dict, dict], bool]


def _eq(col: str) -> Pred:
    return lambda a, b: a[col] == b[col]


def _jw(col: str, threshold: float) -> Pred:
    return lambda a, b: JaroWinkler.similarity(a[col], b[col]) >= threshold


def _swapped(col: str, other: str) -> Pred:
    return lambda a, b: a[col] == b[other] and a[other] == b[col]


def _dob_swap(a: dict, b: dict) -> bool:
    x, y = a["dob"], b["dob"]
    return x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]


def _dob_year_off(a: dict, b: dict) -> bool:
    return a["dob_md"] == b["dob_md"] and abs(int(a["dob_year"]) - int(b["dob_year"])) == 1


def _surname_order(a: dict, b: dict) -> bool:
    return (a["surname_1"] is not None and a["surname_1"] == b["surname_2"]) or (
        a["surname_2"] is not None and a["surname_2"] == b["surname_1"]
    )


def _household(a: dict, b: dict) -> bool:
    return (
        a["address"] == b["address"]
        and a["surname_1"] is not None
        and a["surname_1"] == b["surname_1"]
        and a["given_1"] is not None
        and b["given_1"] is not None
        and JaroWinkler.similarity(a["given_1"], b["given_1"]) < 0.8
        and a["dob"] is not None
        and b["dob"] is not None
        and a["dob"] != b["dob"]
    )


def _name_levels(col: str, other: str, extra: list[Pred]) -> list[Pred]:
    return [_eq(col), _swapped(col, other), *extra, _jw(col, 0.92), _jw(col, 0.8)]


# Non-null levels of each comparison, in the engine's order, the else level left implicit.
LEVELS: dict[str, list[Pred]] = {
    "given_1": _name_levels("given_1", "surname_1", []),
    "given_2": [_eq("given_2"), _jw("given_2", 0.92), _jw("given_2", 0.8)],
    "surname_1": _name_levels("surname_1", "given_1", [_surname_order]),
    "surname_2": [_eq("surname_2"), _jw("surname_2", 0.92), _jw("surname_2", 0.8)],
    "dob": [
        _eq("dob"),
        _dob_swap,
        _dob_year_off,
        lambda a, b: DamerauLevenshtein.distance(a["dob"], b["dob"]) <= 1,
        lambda a, b: a["dob_ym"] == b["dob_ym"],
        lambda a, b: a["dob_year"] == b["dob_year"],
    ],
    "address": [
        _household,
        _eq("address"),
        _jw("address", 0.9),
        lambda a, b: a["zip"] == b["zip"],
    ],
}
for _name in ("sex", "birth_place", "doc_fp", "phone_fp", "email_fp", "photo_hash"):
    LEVELS[_name] = [_eq(_name)]
TF_COLUMNS = ("given_1", "given_2", "surname_1", "surname_2")


_SEPARATOR = "\x1f"  # never inside a normalised value


def _hash_keys(table: pa.Table, cols: tuple[str, ...]) -> np.ndarray:
    """Every row's key for one block, as Python's hash of the joined values (0 where a part
    is missing): the values are joined column-wise and each distinct key hashed once."""
    joined = pc.binary_join_element_wise(*(table.column(c) for c in cols), _SEPARATOR)
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    encoded = pc.dictionary_encode(joined)
    distinct = encoded.dictionary.to_pylist()
    hashes = np.fromiter((hash(k) or 1 for k in distinct), dtype=np.int64, count=len(distinct))
    index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    out = np.zeros(table.num_rows, dtype=np.int64)
    present = index >= 0
    out[present] = hashes[index[present]]
    return out


class CandidateIndex:
    """Blocking-key index over a records table (engine columns plus derived ones)."""

    def __init__(self, table: pa.Table, model: dict):
        self.table = table
        self.ids = set(table.column("unique_id").to_pylist())
        self.prior = model["probability_two_random_records_match"]
        self.comparisons = []
        for comparison in model["comparisons"]:
            name = comparison["output_column_name"]
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            if len(levels) != len(LEVELS[name]) + 1:
                raise engine.EngineError(f"model and real-time levels differ for {name}")
            self.comparisons.append((name, LEVELS[name], levels))
        self.blocks = []
        for cols in engine.PREDICTION_BLOCKS:
            keys = _hash_keys(table, cols)
            order = np.argsort(keys, kind="stable")
            self.blocks.append((cols, keys[order], order))
        self.tf: dict[str, dict[str, float]] = {}
        for col in TF_COLUMNS:
            counts = pc.value_counts(table.column(col).drop_null())
            total = max(1, table.num_rows - table.column(col).null_count)
            self.tf[col] = {
                v.as_py(): c.as_py() / total
                for v, c in zip(counts.field("values"), counts.field("counts"), strict=True)
            }

    @classmethod
    def from_table(cls, table: pa.Table, model: dict) -> CandidateIndex:
        return cls(table, model)

    def candidates(self, record: dict) -> np.ndarray:
        found = []
        for cols, sorted_keys, order in self.blocks:
            key = [record.get(c) for c in cols]
            if None in key:
                continue
            h = hash(_SEPARATOR.join(key)) or 1
            lo = np.searchsorted(sorted_keys, h, side="left")
            hi = np.searchsorted(sorted_keys, h, side="right")
            if hi > lo:
                found.append(order[lo:hi])
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found))

    def score(self, a: dict, b: dict) -> float:
        weight = math.log2(self.prior / (1 - self.prior))
        for name, predicates, levels in self.comparisons:
            if a.get(name) is None or b.get(name) is None:
                continue
            index = next((i for i, p in enumerate(predicates) if p(a, b)), len(predicates))
            level = levels[index]
            m, u = level.get("m_probability"), level.get("u_probability")
            if not m or not u:
                continue
            weight += math.log2(m / u)
            if level.get("tf_adjustment_column") and index == 0:
                tf = max(self.tf[name].get(a[name], 0.0), self.tf[name].get(b[name], 0.0))
                tf = max(tf, level.get("tf_minimum_u_value") or 0.0)
                if tf > 0:
                    weight += level.get("tf_adjustment_weight", 1.0) * math.log2(u / tf)
        return 2**weight / (1 + 2**weight)

    def match(self, record: dict, *, threshold: float) -> list[tuple[str, float]]:
        """Existing records that `record` links to at or above `threshold`, best first."""
        record = engine._derive(record) if "initials" not in record else record
        rows = self.candidates(record)
        if len(rows) == 0:
            return []
        out = []
        for other in self.table.take(pa.array(rows)).to_pylist():
            if other["unique_id"] == record["unique_id"]:
                continue
            p = self.score(record, other)
            if p >= threshold:
                out.append((other["unique_id"], p))
        out.sort(key=lambda x: -x[1])
        return out


def index_records(records: list[dict[str, Any]], model: dict) -> CandidateIndex:
    return CandidateIndex(engine.records_table(records), model)
