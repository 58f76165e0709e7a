"""The linkage engine on a labelled synthetic set, and its pure parts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from portline.linkage import engine, normalise
from portline.linkage.engine import default_model
from portline.synthetic import planted
from tests.linkage.conftest import KEY, engine_records


def _scores(predicted: set, truth: set) -> tuple[float, float]:
    hits = len(predicted & truth)
    return hits / max(1, len(predicted)), hits / max(1, len(truth))


def test_precision_and_recall_on_planted_duplicates(labelled_people):
    records = engine_records(labelled_people)
    links = engine.predict_duckdb(records, default_model(), threshold=0.5)
    clusters = engine.cluster([r["unique_id"] for r in records], links)
    predicted = engine.pairs_in_clusters(clusters)
    truth = planted.true_pairs(labelled_people)
    precision, recall = _scores(predicted, truth)
    assert len(truth) > 400
    assert precision >= 0.95, precision
    assert recall >= 0.9, recall
    # Each planted error alone is found nearly always.
    found, total = Counter(), Counter()
    for p in labelled_people:
        if p.record_id.startswith("d") and len(p.errors) == 1:
            total[p.errors[0]] += 1
            found[p.errors[0]] += (f"d{p.entity_id}", f"r{p.entity_id}") in predicted
    for kind in planted.ERROR_KINDS:
        assert total[kind] > 20
        assert found[kind] / total[kind] >= 0.85, (kind, found[kind], total[kind])
    # The named baseline (exact name and date of birth) finds almost none of them.
    exact = {}
    for p in labelled_people:
        exact.setdefault((p.given_names, p.family_names, p.date_of_birth), []).append(p.record_id)
    baseline = {tuple(sorted(ids))[:2] for ids in exact.values() if len(ids) > 1}
    assert _scores(baseline, truth)[1] < recall


def test_every_link_carries_its_evidence():
    people = [
        dict(given_names="María", family_names="García López", date_of_birth=dt.date(1990, 4, 5)),
        dict(given_names="Maria", family_names="Garcia", date_of_birth=dt.date(1990, 5, 4)),
        dict(given_names="Pedro", family_names="Ruiz", date_of_birth=dt.date(1971, 1, 9)),
    ]
    records = [
        normalise.person_record(
            key=KEY,
            unique_id=f"p{i}",
            address_line="12 Main Street",
            zip_code="77002",
            birth_place="Tegucigalpa",
            phone="+52 55 1234 5678",
            **fields,
        )
        for i, fields in enumerate(people)
    ]
    [link] = [x for x in engine.predict_duckdb(records, default_model()) if x.probability > 0.9]
    assert (link.left, link.right) == ("p0", "p1")
    found = {e.comparison: e for e in link.evidence}
    assert found["dob"].level == "day and month swapped" and found["dob"].match_weight > 0
    assert found["phone_fp"].match_weight > 0
    assert "surname_2" not in found  # missing in one record: no evidence either way
    assert found["given_1"].level.startswith("Exact match")


def test_fingerprints_hide_the_plain_values_and_depend_on_the_key():
    record = normalise.person_record(
        key=KEY, unique_id="x", phone="+52 (55) 1234-5678", document="ab-123 456", email="A@x.org"
    )
    flat = " ".join(str(v) for v in record.values())
    assert "5512345678" not in flat and "AB123456" not in flat and "a@x.org" not in flat
    again = normalise.person_record(key=KEY, unique_id="y", phone="5512345678", document="AB123456")
    other = normalise.person_record(key=b"other", unique_id="z", phone="5512345678")
    assert record["phone_fp"] == again["phone_fp"] and record["doc_fp"] == again["doc_fp"]
    assert other["phone_fp"] != record["phone_fp"]


def test_transliterated_names_normalise_alike():
    assert normalise.split_name("Александр", "Кузнецов") == normalise.split_name(
        "Aleksandr", "Kuznetsov"
    )
    assert normalise.name_parts("José de la Cruz-Peña") == ["jose", "cruz", "pena"]


def _link(a: str, b: str, p: float) -> engine.Link:
    return engine.Link(a, b, p, 10.0)


def test_clusters_respect_adjudications():
    links = [_link("a", "b", 0.99), _link("b", "c", 0.95), _link("d", "e", 0.4)]
    plain = engine.cluster("abcde", links)
    assert [c.members for c in plain] == [["a", "b", "c"]]
    assert plain[0].min_probability == pytest.approx(0.95)
    adjudicated = engine.cluster("abcde", links, rejected=[("c", "b")], confirmed=[("e", "d")])
    assert [c.members for c in adjudicated] == [["a", "b"], ["d", "e"]]
    assert adjudicated[1].min_probability == 1.0
    # A pair both confirmed and rejected stays apart (rejection wins).
    assert engine.cluster("ab", [], confirmed=[("a", "b")], rejected=[("a", "b")]) == []


def test_model_rebuilds_for_the_spark_dialect():
    model = default_model()
    spark = engine.settings_for_dialect(model, "spark")
    levels = [lv for c in spark["comparisons"] for lv in c["comparison_levels"]]
    assert any("m_probability" in lv for lv in levels)
    assert len(spark["comparisons"]) == len(model["comparisons"])


def test_every_comparison_has_a_translated_name():
    from portline.linkage.selectors import COMPARISON_NAMES, level_name

    assert set(COMPARISON_NAMES) == set(engine.COMPARISON_LABELS)
    assert level_name("Jaro-Winkler distance of given_1 >= 0.92").startswith("similar")


def test_real_time_check_agrees_with_the_batch(labelled_people):
    from portline.linkage import realtime

    records = engine_records(labelled_people)
    model = default_model()
    batch = {
        (x.left, x.right)
        for x in engine.predict_duckdb(records, model, threshold=0.5)
        if x.probability >= 0.9
    }
    index = realtime.index_records(records, model)
    found = set()
    for record in records[:1500]:
        for other, _p in index.match(record, threshold=0.9):
            found.add(tuple(sorted((record["unique_id"], other))))
    ids = {r["unique_id"] for r in records[:1500]}
    expected = {pair for pair in batch if pair[0] in ids or pair[1] in ids}
    agreed = len(found & expected) / len(expected | found)
    assert len(expected) > 100 and agreed >= 0.97, agreed
