"""The address's household level: one address weighs less between two people of one surname
with other given names (siblings, a parent and child) than between records at large."""

from __future__ import annotations

import copy
import datetime as dt
import math

import pytest

from portline.linkage import engine, normalise, realtime
from portline.linkage.engine import default_model
from tests.linkage.conftest import KEY


def _record(uid: str, given: str, dob: str, *, address: str = "6963 Pine St") -> dict:
    return normalise.person_record(
        key=KEY,
        unique_id=uid,
        given_names=given,
        family_names="Romero López",
        date_of_birth=dt.date.fromisoformat(dob),
        sex="female",
        birth_place="Tegucigalpa",
        address_line=address,
        zip_code="02186",
    )


def _address_levels(model: dict) -> list[dict]:
    address = next(c for c in model["comparisons"] if c["output_column_name"] == "address")
    return [lv for lv in address["comparison_levels"] if not lv.get("is_null_level")]


def test_household_u_counts_one_surname_at_one_address_with_other_names_and_dates():
    table = engine.records_table(
        [
            _record("ana", "Ana", "2001-01-01"),
            _record("pedro", "Pedro", "2003-05-05"),
            _record("lucia", "Lucía", "2005-07-07"),
            _record("ana-again", "Ana", "2001-01-01"),  # one person twice: never counted
            _record("marco", "Marco", "1990-01-01", address="12 Oak Ave"),
        ]
    )
    # Pairs of one surname with another given name and another date: 10 pairs, less the
    # one with the same name (and date) = 9. Of those at one address: ana-pedro, ana-lucia,
    # pedro-lucia, ana-again-pedro, ana-again-lucia = 5.
    assert engine.household_u(table) == pytest.approx(5 / 9)
    alone = engine.records_table([_record("x", "Ana", "2001-01-01")])
    assert engine.household_u(alone) is None


def test_the_shipped_model_has_the_household_level_before_the_same_address():
    levels = _address_levels(default_model())
    assert levels[0]["label_for_charts"] == engine.HOUSEHOLD_LEVEL
    assert levels[1]["label_for_charts"] == "Exact match on address"
    household = math.log2(levels[0]["m_probability"] / levels[0]["u_probability"])
    same = math.log2(levels[1]["m_probability"] / levels[1]["u_probability"])
    assert levels[0]["m_probability"] == levels[1]["m_probability"]
    assert 0 < household < same - 3


def test_a_sister_weighs_the_household_level_and_a_twin_does_not():
    records = [
        _record("a", "Ana", "2015-05-22"),
        _record("b", "Amparo", "2013-05-22"),  # her sister, two years older
        _record("c", "Ana", "2015-05-22"),  # Ana again
        _record("d", "Amparo", "2015-05-22"),  # her twin: one date of birth, not counted
    ]
    model = default_model()
    links = {(x.left, x.right): x for x in engine.predict_duckdb(records, model, threshold=0)}
    sisters, again, twins = links[("a", "b")], links[("a", "c")], links[("a", "d")]

    def address(link: engine.Link) -> engine.Evidence:
        return {e.comparison: e for e in link.evidence}["address"]

    household = _address_levels(model)[0]
    assert address(sisters).level == engine.HOUSEHOLD_LEVEL
    expected = math.log2(household["m_probability"] / household["u_probability"])
    assert address(sisters).match_weight == pytest.approx(expected, abs=1e-6)
    assert address(again).level == "Exact match on address"
    assert address(twins).level == "Exact match on address"
    # Without the level (its u as the plain same-address level's) the sisters weigh more.
    flat = copy.deepcopy(model)
    levels = _address_levels(flat)
    levels[0]["u_probability"] = levels[1]["u_probability"]
    flat_links = {(x.left, x.right): x for x in engine.predict_duckdb(records, flat, threshold=0)}
    assert flat_links[("a", "b")].match_weight - sisters.match_weight == pytest.approx(
        math.log2(household["u_probability"] / levels[1]["u_probability"]), abs=1e-6
    )
    assert flat_links[("a", "d")].match_weight == pytest.approx(twins.match_weight, abs=1e-6)
    assert again.probability > 0.99
    # The real-time check takes the same levels.
    index = realtime.index_records(records, model)
    for other, link in ((1, sisters), (3, twins)):
        assert index.score(
            engine._derive(records[0]), engine._derive(records[other])
        ) == pytest.approx(link.probability, abs=1e-6)


def test_a_model_stored_before_the_household_level_is_not_current():
    model = default_model()
    assert engine.is_current(model)
    old = copy.deepcopy(model)
    address = next(c for c in old["comparisons"] if c["output_column_name"] == "address")
    address["comparison_levels"] = [
        lv
        for lv in address["comparison_levels"]
        if lv.get("label_for_charts") != engine.HOUSEHOLD_LEVEL
    ]
    assert not engine.is_current(old)
