"""The person-linkage engine: Splink 5 over plain records, on DuckDB or Apache Spark.

Plain data in, plain data out: a list of `records` (dicts with the columns in
`RECORD_COLUMNS`, already normalised by `portline.linkage.normalise`, identifiers already
HMAC fingerprints), a trained model (a Splink settings dict) and the supervisors'
adjudications; out come scored links with their evidence and the clusters. No ORM, no
clock. Training is seeded.

The same trained m/u parameters score on either backend; clusters are formed here, by one
union-find over the links at or above the threshold (confirmed pairs added, rejected pairs
removed), so both backends give identical clusters whenever they agree on which pairs pass.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

ENGINE_VERSION = "linkage-1"

# Every record the engine sees has exactly these columns (None where unknown).
RECORD_COLUMNS = (
    "unique_id",
    "given_1",
    "given_2",
    "surname_1",
    "surname_2",
    "dob",  # ISO date string
    "sex",
    "birth_place",
    "address",  # normalised street line and ZIP, one string
    "zip",
    "doc_fp",  # HMAC fingerprints
    "phone_fp",
    "email_fp",
    "photo_hash",  # perceptual hash (hex) of the person's photograph
)
# Derived here, so every caller (database, CSV file, benchmark) blocks the same way.
DERIVED_COLUMNS = ("dob_year", "dob_md", "dob_ym", "dob_yd", "dob_dm", "initials")

# Comparison names as shown to a supervisor.
COMPARISON_LABELS = {
    "given_1": "first given name",
    "given_2": "second given name",
    "surname_1": "first surname",
    "surname_2": "second surname",
    "dob": "date of birth",
    "sex": "sex",
    "birth_place": "place of birth",
    "address": "US address",
    "doc_fp": "document number",
    "phone_fp": "phone",
    "email_fp": "e-mail",
    "photo_hash": "photograph",
}

DEFAULT_THRESHOLD = 0.9
DUCKDB_MEMORY_LIMIT = "2.5GB"
# Expectation maximisation looks at about this many records (a seeded sample of larger inputs).
TRAINING_SAMPLE = 200_000
logger = logging.getLogger(__name__)


class EngineError(Exception):
    """The linkage could not run (bad configuration, missing Java for Spark, ...)."""


# --- Model ------------------------------------------------------------------------------


def _name_comparison(
    col: str, reversed_with: str, extra: Sequence = (), *, count_swap: bool = True
) -> Any:
    swapped = cll.ColumnsReversedLevel(col, reversed_with, symmetrical=True)
    if count_swap:
        swapped.configure(label_for_charts="given name and surname swapped")
    else:  # the swap is counted once, under the given name
        swapped.configure(
            label_for_charts="swapped (counted under the given name)",
            m_probability=0.5,
            u_probability=0.5,
            fix_m_probability=True,
            fix_u_probability=True,
        )
    levels: list[Any] = [
        cll.NullLevel(col),
        cll.ExactMatchLevel(col).configure(tf_adjustment_column=col),
        swapped,
    ]
    levels.extend(extra)
    levels += [
        cll.JaroWinklerLevel(col, 0.92),
        cll.JaroWinklerLevel(col, 0.8),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(comparison_levels=levels, output_column_name=col)


def _fixed_m(level: Any, m: float) -> Any:
    return level.configure(m_probability=m, fix_m_probability=True)


def _dob_comparison() -> Any:
    """Date of birth with the error patterns of registration data as their own levels. Its m
    probabilities are fixed priors: trained, they let a father and son of one name at one
    address link (expectation maximisation takes such households for matches), while a
    completely different date is all but impossible for one person."""
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            _fixed_m(cll.ExactMatchLevel("dob"), 0.86),
            _fixed_m(
                cll.CustomLevel(
                    "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
                    "AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
                    "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                    label_for_charts="day and month swapped",
                ),
                0.03,
            ),
            _fixed_m(
                cll.CustomLevel(
                    "dob_md_l = dob_md_r "
                    "AND abs(cast(dob_year_l as int) - cast(dob_year_r as int)) = 1",
                    label_for_charts="same day, year off by one",
                ),
                0.03,
            ),
            _fixed_m(
                cll.DamerauLevenshteinLevel("dob", 1).configure(
                    label_for_charts="one digit different"
                ),
                0.05,
            ),
            # A mistyped day keeps year and month (19 typed 21 differs in two digits). Day and
            # month both different in one year is rare for one person and common for siblings
            # at one address: that level weighs against a link (siblings of one year, one name
            # pattern and one address linked at a million registrations).
            _fixed_m(
                cll.CustomLevel("dob_ym_l = dob_ym_r", label_for_charts="same year and month"),
                0.029,
            ),
            _fixed_m(
                cll.CustomLevel("dob_year_l = dob_year_r", label_for_charts="same year"), 0.001
            ),
            _fixed_m(cll.ElseLevel(), 0.000001),
        ],
    )


HOUSEHOLD_LEVEL = "the same, one first surname, given names unlike, other dates of birth"


def _address_comparison(*, household: bool = True) -> Any:
    # ONE comparison for street and ZIP (two would count the same evidence twice). The same
    # address weighs less between two records of one first surname whose given names are not
    # alike and whose dates of birth differ: families register and live together, so among
    # such pairs (siblings, parent and child) a shared address is far more common than among
    # people at large (see `_condition_household`; the level is the pairs it counts).
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("address"),
            *(
                [
                    cll.CustomLevel(
                        "address_l = address_r AND surname_1_l = surname_1_r "
                        "AND jaro_winkler_similarity(given_1_l, given_1_r) < 0.8 "
                        "AND dob_l <> dob_r",
                        label_for_charts=HOUSEHOLD_LEVEL,
                    )
                ]
                if household
                else []
            ),
            cll.ExactMatchLevel("address"),
            cll.JaroWinklerLevel("address", 0.9),
            cll.CustomLevel("zip_l = zip_r", label_for_charts="same ZIP code only"),
            cll.ElseLevel(),
        ],
    )


def _exact(col: str, *, m_agree: float) -> Any:
    """An exact comparison whose m probabilities are fixed priors rather than trained: among
    true matches an identifier almost always agrees, and expectation maximisation drives the
    "disagrees" level to an underflowing zero on clean samples (Splink then refuses it)."""
    return cl.CustomComparison(
        output_column_name=col,
        comparison_levels=[
            cll.NullLevel(col),
            cll.ExactMatchLevel(col).configure(m_probability=m_agree, fix_m_probability=True),
            cll.ElseLevel().configure(m_probability=1 - m_agree, fix_m_probability=True),
        ],
    )


PREDICTION_BLOCKS = (
    ("dob", "initials"),  # typos, transliteration, swapped names, missing surname
    # The same first given name and surname with one part of the date of birth wrong: the
    # other two parts agree (a mistyped day, month or year), or day and month are swapped.
    # (Given name, surname and year of birth alone make buckets of hundreds at millions.)
    ("given_1", "surname_1", "dob_ym"),
    ("given_1", "surname_1", "dob_yd"),
    ("given_1", "surname_1", "dob_md"),
    ("given_1", "surname_1", "dob_year", "dob_dm"),
    ("dob", "surname_1"),  # given name's first letter changed (Yesenia / Jesenia)
    ("dob", "given_1"),  # surname's first letter changed
    ("address", "initials"),  # same destination, name and date both off
    ("dob", "address"),  # names written another way (transliterated, both parts changed)
    ("dob", "surname_2"),
    ("doc_fp",),
    ("phone_fp",),
    ("email_fp",),
    ("photo_hash",),
)


def _comparisons(*, household: bool = True) -> list[Any]:
    return [
        _name_comparison("given_1", "surname_1"),
        cl.NameComparison("given_2", jaro_winkler_thresholds=[0.92, 0.8]),
        _name_comparison(
            "surname_1",
            "given_1",
            count_swap=False,
            extra=[
                cll.CustomLevel(
                    "surname_1_l = surname_2_r OR surname_2_l = surname_1_r",
                    label_for_charts="surnames in the other order",
                )
            ],
        ),
        cl.NameComparison("surname_2", jaro_winkler_thresholds=[0.92, 0.8]),
        _dob_comparison(),
        _exact("sex", m_agree=0.98),
        _exact("birth_place", m_agree=0.9),
        _address_comparison(household=household),
        _exact("doc_fp", m_agree=0.9),
        _exact("phone_fp", m_agree=0.8),
        _exact("email_fp", m_agree=0.8),
        _exact("photo_hash", m_agree=0.9),
    ]


def settings_creator(
    columns: Sequence[str] | None = None, *, household: bool = True
) -> SettingsCreator:
    """The model's settings; `columns` keeps only the comparisons of those columns (a column
    that is empty in the whole input cannot be trained and says nothing). `household=False`
    leaves out the address's household level (training: see `_condition_household`)."""
    comparisons = [
        c
        for c in _comparisons(household=household)
        if columns is None or c.create_output_column_name() in columns
    ]
    blocks = [
        cols
        for cols in PREDICTION_BLOCKS
        if columns is None or cols[0] in columns or cols[0] == "dob"
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(*cols) for cols in blocks],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )


def _derive(record: dict) -> dict:
    row = {name: record.get(name) or None for name in RECORD_COLUMNS}
    row["unique_id"] = str(record["unique_id"])
    dob = row["dob"]
    row["dob_year"] = dob[:4] if dob else None
    row["dob_md"] = dob[5:] if dob else None
    row["dob_ym"] = dob[:7] if dob else None
    row["dob_yd"] = f"{dob[:4]}-{dob[8:]}" if dob else None
    row["dob_dm"] = "-".join(sorted((dob[5:7], dob[8:]))) if dob else None
    initials = sorted(p[0] for p in (row["given_1"], row["surname_1"]) if p)
    row["initials"] = "".join(initials) or None
    return row


_SCHEMA = pa.schema([(name, pa.string()) for name in (*RECORD_COLUMNS, *DERIVED_COLUMNS)])


def records_table(records: Iterable[dict]) -> pa.Table:
    return pa.Table.from_pylist([_derive(r) for r in records], schema=_SCHEMA)


def columns_table(columns: dict[str, pa.Array]) -> pa.Table:
    """The same table as `records_table`, from columns (`normalise.person_columns`): the
    derived blocking columns computed column-wise."""
    dob = columns["dob"]
    given = pc.utf8_slice_codeunits(columns["given_1"], 0, 1)
    surname = pc.utf8_slice_codeunits(columns["surname_1"], 0, 1)
    in_order = pc.if_else(
        pc.less_equal(given, surname),
        pc.binary_join_element_wise(given, surname, ""),
        pc.binary_join_element_wise(surname, given, ""),
    )
    year = pc.utf8_slice_codeunits(dob, 0, 4)
    month = pc.utf8_slice_codeunits(dob, 5, 7)
    day = pc.utf8_slice_codeunits(dob, 8, 10)
    derived = {
        "dob_year": year,
        "dob_md": pc.utf8_slice_codeunits(dob, 5, 10),
        "dob_ym": pc.utf8_slice_codeunits(dob, 0, 7),
        "dob_yd": pc.binary_join_element_wise(year, day, "-"),
        "dob_dm": pc.if_else(
            pc.less_equal(month, day),
            pc.binary_join_element_wise(month, day, "-"),
            pc.binary_join_element_wise(day, month, "-"),
        ),
        "initials": pc.coalesce(in_order, given, surname),
    }
    arrays = {**columns, **derived}
    return pa.table([pa.array(arrays[name], pa.string()) for name in _SCHEMA.names], schema=_SCHEMA)


def _duckdb_linker(table: pa.Table, settings: Any, *, validate: bool = True) -> Linker:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    # Scoring millions of records holds tens of millions of blocked pairs: past this DuckDB
    # spills to disk rather than grow (the whole scan must fit 6 GB beside the rules).
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{Path(tempfile.gettempdir()) / 'portline-duckdb'}'")
    db = DuckDBAPI(con)
    return Linker(
        db.register(table, table_name="people"),
        settings,
        log_level=logging.ERROR,
        validate_settings=validate,
    )


def train(records: Iterable[dict] | pa.Table, *, seed: int = 20261130) -> dict:
    """Estimate the model without labels: u by seeded random sampling, m by expectation
    maximisation on two blockings (so each comparison is trained outside its own block)."""
    table = records if isinstance(records, pa.Table) else records_table(records)
    if table.num_rows < 2:
        raise EngineError("At least two records are needed to train the linkage model.")
    columns = [
        name
        for name in COMPARISON_LABELS
        if name != "address" and table.num_rows - table.column(name).null_count >= 2
    ]
    if table.num_rows - table.column("address").null_count >= 2:
        columns.append("address")
    # Trained without the household level, which is added afterwards with counted values
    # (`_condition_household`), so it leaves every other trained value as it was.
    linker = _duckdb_linker(table, settings_creator(columns, household=False))
    sample = min(1.0, TRAINING_SAMPLE / table.num_rows)
    linker.training.estimate_probability_two_random_records_match(
        [
            "l.given_1 = r.given_1 AND l.surname_1 = r.surname_1 AND l.dob = r.dob "
            "AND l.birth_place = r.birth_place",
            block_on("doc_fp"),
        ],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob", "initials"),
        estimate_without_term_frequencies=True,
        record_sample_proportion=sample,
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_1", "surname_1", *(["birth_place"] if "birth_place" in columns else [])),
        estimate_without_term_frequencies=True,
        record_sample_proportion=sample,
    )
    model = linker.misc.save_model_to_json()
    _condition_household(model, table, columns)
    # Kept with the model (Splink ignores it): a stored model is reused until the number of
    # records has changed too much for its prior (see `should_retrain`).
    model[TRAINED_ON_KEY] = table.num_rows
    return model


def household_u(table: pa.Table) -> float | None:
    """P(same address | same first surname, not one person): among pairs of records with one
    first surname, the share at one address. Counted exactly (a self-join within each surname
    and address, group counts for the rest), not sampled, and only over pairs that differ in
    date of birth and whose given names are not alike (Jaro-Winkler below 0.8), which are
    almost never one person's two records: counting every pair would take a file's own
    duplicates (one surname, one address) for households. None when there are no such pairs."""
    con = duckdb.connect()
    con.register("source", table.select(["unique_id", "given_1", "surname_1", "dob", "address"]))
    con.execute(
        "CREATE TABLE people AS SELECT * FROM source WHERE given_1 IS NOT NULL "
        "AND surname_1 IS NOT NULL AND dob IS NOT NULL AND address IS NOT NULL"
    )

    def pairs(*columns: str) -> float:
        keys = ", ".join(columns)
        rows = con.sql(
            f"SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::DOUBLE AS n "  # noqa: S608 - fixed names
            f"FROM people GROUP BY {keys})"
        ).fetchall()
        return float(rows[0][0] or 0.0)

    # Same surname, other given name and other date of birth (inclusion-exclusion).
    unrelated_names = (
        pairs("surname_1")
        - pairs("surname_1", "given_1")
        - pairs("surname_1", "dob")
        + pairs("surname_1", "given_1", "dob")
    )
    together = con.sql(
        "SELECT count(*) FROM people a JOIN people b ON a.surname_1 = b.surname_1 "
        "AND a.address = b.address AND a.unique_id < b.unique_id "
        "WHERE a.dob <> b.dob AND jaro_winkler_similarity(a.given_1, b.given_1) < 0.8"
    ).fetchall()[0][0]
    con.close()
    if unrelated_names <= 0 or not together:
        return None
    return float(together) / unrelated_names


def _condition_household(model: dict, table: pa.Table, columns: Sequence[str]) -> None:
    """Fellegi-Sunter adds the comparisons' weights as if they were independent; for people
    of one surname, unlike given names and other dates of birth the address is not: a sibling
    or parent shares it. So for such a pair (the names' and date's own weights already
    counted) the same address weighs log2(P(same address | match) / P(same address | same
    surname, other given name and date, non-match)), the second counted by `household_u`,
    rather than against the rate among all pairs (with which siblings of other given names
    and birth dates linked on surname and address alone). The model is trained without this level; it is inserted here before
    "the same address", with that level's m probability (address errors taken as independent
    of name errors among matches), so every other trained value stays as it was. Where
    nothing could be counted it takes that level's values."""
    address = next((c for c in model["comparisons"] if c["output_column_name"] == "address"), None)
    if address is None:
        return
    fresh = settings_creator(columns).create_settings_dict("duckdb")
    fresh_address = next(c for c in fresh["comparisons"] if c["output_column_name"] == "address")
    household = next(
        lv
        for lv in fresh_address["comparison_levels"]
        if lv.get("label_for_charts") == HOUSEHOLD_LEVEL
    )
    levels = address["comparison_levels"]
    exact = next(i for i, lv in enumerate(levels) if not lv.get("is_null_level"))
    m = levels[exact].get("m_probability")
    # Nothing counted (no two records of one surname): the rate among all pairs, as before.
    u = household_u(table) or levels[exact].get("u_probability")
    household.update(
        m_probability=m, u_probability=u, fix_m_probability=True, fix_u_probability=True
    )
    levels.insert(exact, household)


def is_current(model: dict) -> bool:
    """Whether a stored model has the levels this version's comparisons have (a model stored
    before a level was added cannot score with these settings)."""
    columns = [c["output_column_name"] for c in model.get("comparisons", [])]
    fresh = settings_creator(columns).create_settings_dict("duckdb")

    def labels(settings: dict) -> list[list[str]]:
        return [
            [lv.get("label_for_charts", "") for lv in c["comparison_levels"]]
            for c in settings["comparisons"]
        ]

    return labels(fresh) == labels(model)


TRAINED_ON_KEY = "portline_trained_on_records"
# A stored model is reused while the records number between 1/RETRAIN_FACTOR and
# RETRAIN_FACTOR times those it was trained on: the prior (the chance that two random records
# are one person) falls as the records grow, so a model trained on far fewer overstates it.
RETRAIN_FACTOR = 2.0


def should_retrain(stored: dict | None, *, records: int, minimum: int) -> bool:
    """Whether a run over `records` records trains a new model rather than reuse `stored`
    (the last trained one): never below `minimum` records; otherwise when none was trained
    here (the shipped model does not count) or the records have grown or shrunk by more than
    RETRAIN_FACTOR since."""
    if records < minimum:
        return False
    trained_on = (stored or {}).get(TRAINED_ON_KEY)
    if not trained_on:
        return True
    return not trained_on / RETRAIN_FACTOR <= records <= trained_on * RETRAIN_FACTOR


DEFAULT_MODEL_PATH = Path(__file__).parent / "data" / "model.json"


def default_model() -> dict:
    """The model shipped with Portline (trained on the seeded synthetic population by
    `portline linkage train-default`); used until a run on real data trains its own."""
    return json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))


def settings_for_dialect(model: dict, dialect: str) -> dict:
    """The trained model rebuilt for another SQL dialect: a model saved from DuckDB carries
    DuckDB SQL, so build the settings afresh for `dialect` and copy the m/u values across."""
    columns = [c["output_column_name"] for c in model["comparisons"]]
    fresh = settings_creator(columns).create_settings_dict(dialect)
    fresh["probability_two_random_records_match"] = model["probability_two_random_records_match"]
    trained = {c["output_column_name"]: c for c in model["comparisons"]}
    for comparison in fresh["comparisons"]:
        old_levels = trained[comparison["output_column_name"]]["comparison_levels"]
        for new, old in zip(comparison["comparison_levels"], old_levels, strict=True):
            for key in ("m_probability", "u_probability"):
                if key in old:
                    new[key] = old[key]
    return fresh


# --- Links and evidence -----------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    comparison: str  # column name, e.g. "dob"
    level: str  # e.g. "day and month swapped"
    match_weight: float  # log2 Bayes factor, term-frequency adjustment included

    def as_dict(self) -> dict:
        return {
            "comparison": self.comparison,
            "level": self.level,
            "match_weight": round(self.match_weight, 3),
        }


@dataclass(frozen=True)
class Link:
    left: str
    right: str
    probability: float
    match_weight: float
    evidence: tuple[Evidence, ...] = ()


def _level_weights(model: dict) -> dict[str, list[tuple[float, str]]]:
    """For each comparison, the match weight log2(m/u) of each level and its label: Splink 5
    returns the weight of each comparison (`mw_<name>`), and the level is the one with that
    weight."""
    weights: dict[str, list[tuple[float, str]]] = {}
    for comparison in model["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or not m or not u:
                continue
            levels.append((math.log2(m / u), level.get("label_for_charts", "")))
        weights[comparison["output_column_name"]] = levels
    return weights


def _links_from_rows(rows: Iterable[dict], model: dict) -> list[Link]:
    weights = _level_weights(model)
    # The weight Splink returns for a level is log2(m/u) computed in SQL: look it up by its
    # rounded value, and fall back to the nearest level when rounding differs.
    labels = {
        name: {round(w, 6): (w, label) for w, label in levels} for name, levels in weights.items()
    }
    links = []
    for row in rows:
        evidence = []
        for name, levels in weights.items():
            weight = row.get(f"mw_{name}")
            if weight is None:
                continue
            weight = float(weight)
            nearest = labels[name].get(round(weight, 6)) or min(
                levels, key=lambda lv: abs(lv[0] - weight), default=None
            )
            if weight == 0.0 and (nearest is None or abs(nearest[0]) > 1e-9):
                continue  # missing in one of the records: no evidence either way
            label = nearest[1] if nearest and abs(nearest[0] - weight) < 1e-6 else ""
            weight += float(row.get(f"mw_tf_adj_{name}") or 0.0)
            evidence.append(Evidence(name, label, weight))
        left, right = sorted((str(row["unique_id_l"]), str(row["unique_id_r"])))
        links.append(
            Link(
                left=left,
                right=right,
                probability=float(row["match_probability"]),
                match_weight=float(row["match_weight"]),
                evidence=tuple(evidence),
            )
        )
    links.sort(key=lambda link: (link.left, link.right))
    return links


def predict_duckdb(
    records: Iterable[dict] | pa.Table, model: dict, *, threshold: float = 0.5
) -> list[Link]:
    table = records if isinstance(records, pa.Table) else records_table(records)
    if table.num_rows < 2:
        return []
    # The settings were validated when the model was trained; validating again costs ~1.5 s.
    linker = _duckdb_linker(table, settings_for_dialect(model, "duckdb"), validate=False)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    wanted = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        wanted.append(f"mw_{name}")
        if any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"]):
            wanted.append(f"mw_tf_adj_{name}")
    columns = ", ".join(f'"{c}"' for c in wanted)
    rows = predictions.db_api.duckdb_con.sql(  # only these columns leave DuckDB
        f"SELECT {columns} FROM {predictions.physical_name}"  # noqa: S608 - names from the model
    ).to_arrow_table()
    return _links_from_rows(rows.to_pylist(), model)


# --- Spark ------------------------------------------------------------------------------


def java_available() -> bool:
    import shutil

    return shutil.which("java") is not None


def spark_session(*, master: str, workdir: Path) -> Any:
    """A Spark session set up as LIBRARIES.md records: Splink's bundled similarity jar (never
    Maven), temporary and checkpoint folders under `workdir`, no web UI, loopback address."""
    if not java_available():
        raise EngineError("Java is not installed: the Spark backend needs Java 17.")
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    workdir.mkdir(parents=True, exist_ok=True)
    tmp = workdir / "tmp"
    tmp.mkdir(exist_ok=True)
    java_opts = f"-Djava.io.tmpdir={tmp}"
    builder = (
        SparkSession.builder.master(master)
        .appName("portline-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.local.dir", str(tmp))
        .config("spark.driver.extraJavaOptions", java_opts)
        .config("spark.executor.extraJavaOptions", java_opts)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
    )
    if master.startswith("local"):  # stay on the loopback (SPARK_LOCAL_IP: config/settings)
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    logging.getLogger("py4j").setLevel(logging.WARNING)  # no INFO lines at interpreter exit
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(workdir / "checkpoints"))
    return spark


def predict_spark(
    records: Iterable[dict] | pa.Table,
    model: dict,
    *,
    threshold: float = 0.5,
    master: str = "local[2]",
    workdir: Path | None = None,
    spark: Any = None,
) -> list[Link]:
    """The same scoring on Apache Spark (local mode here; a cluster URL in production)."""
    from splink import SparkAPI

    table = records if isinstance(records, pa.Table) else records_table(records)
    if table.num_rows < 2:
        return []
    own_dir = None
    if spark is None:
        if workdir is None:
            own_dir = tempfile.TemporaryDirectory(prefix="portline-spark-")
            workdir = Path(own_dir.name)
        spark = spark_session(master=master, workdir=workdir)
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(name, StringType(), True) for name in table.column_names])
    frame = spark.createDataFrame([tuple(row.values()) for row in table.to_pylist()], schema=schema)
    # Small inputs: persist in memory between steps rather than checkpoint to disk.
    db = SparkAPI(
        spark_session=spark,
        break_lineage_method="persist" if table.num_rows < 100_000 else "checkpoint",
        num_partitions_on_repartition=2,
    )
    linker = Linker(
        db.register(frame, table_name=f"people_{uuid.uuid4().hex[:12]}"),
        settings_for_dialect(model, "spark"),
        log_level=logging.ERROR,
    )
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    rows = [row.asDict() for row in predictions.as_spark_dataframe().collect()]
    return _links_from_rows(rows, model)


# --- Clusters ---------------------------------------------------------------------------


@dataclass
class Cluster:
    members: list[str]
    min_probability: float  # lowest probability among the links that hold it together
    links: list[Link] = field(default_factory=list)


def cluster(
    record_ids: Iterable[str],
    links: Sequence[Link],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    confirmed: Iterable[tuple[str, str]] = (),
    rejected: Iterable[tuple[str, str]] = (),
) -> list[Cluster]:
    """Connected components over the links at or above `threshold`, plus every confirmed
    pair (probability 1), minus every rejected pair (never linked, whatever its score).
    Singletons are left out, and links naming a record not in `record_ids`. Deterministic:
    members and clusters come sorted. The union-find visits only the records of a link, so
    the cost follows the number of links, not of records."""
    known = set(record_ids)
    rejected_set = {tuple(sorted(pair)) for pair in rejected}
    confirmed_set = {tuple(sorted(pair)) for pair in confirmed} - rejected_set
    by_pair = {(link.left, link.right): link for link in links}
    edges: dict[tuple[str, str], Link] = {}
    for pair, link in by_pair.items():
        if link.probability >= threshold and pair not in rejected_set:
            edges[pair] = link
    for pair in confirmed_set:
        scored = by_pair.get(pair)  # type: ignore[arg-type]
        edges[pair] = Link(  # type: ignore[index]
            pair[0],
            pair[1],
            1.0,
            scored.match_weight if scored else 0.0,
            scored.evidence if scored else (),
        )
    edges = {pair: link for pair, link in edges.items() if pair[0] in known and pair[1] in known}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left, right in sorted(edges):
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for rid in list(parent):
        groups.setdefault(find(rid), []).append(rid)
    members_of = {root: sorted(ids) for root, ids in groups.items() if len(ids) > 1}
    root_of = {rid: root for root, ids in members_of.items() for rid in ids}
    links_of: dict[str, list[Link]] = {root: [] for root in members_of}
    for pair, link in sorted(edges.items()):
        links_of[root_of[pair[0]]].append(link)
    clusters = [
        Cluster(
            members=members_of[root],
            min_probability=min(link.probability for link in links_of[root]),
            links=links_of[root],
        )
        for root in members_of
    ]
    clusters.sort(key=lambda c: c.members[0])
    return clusters


def pairs_in_clusters(clusters: Iterable[Cluster]) -> set[tuple[str, str]]:
    """Every pair of records put in one cluster (what pairwise precision/recall count)."""
    pairs = set()
    for c in clusters:
        ms = c.members
        for i in range(len(ms)):
            for j in range(i + 1, len(ms)):
                pairs.add((ms[i], ms[j]))
    return pairs
