"""The same linkage on Apache Spark (local[2]) gives the same clusters as on DuckDB."""

from __future__ import annotations

import datetime as dt

import pytest

from portline.linkage import engine
from portline.linkage.engine import default_model
from portline.synthetic import planted
from tests.linkage.conftest import engine_records

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]


def test_spark_and_duckdb_agree(tmp_path):
    if not engine.java_available():
        pytest.skip(
            "Java is not installed: the Spark backend needs Java 17 (apt install openjdk-17-jre-headless)"
        )
    people = list(
        planted.planted_people(
            seed=5, registrations=120, duplicate_share=0.2, today=dt.date(2026, 11, 30)
        )
    )
    records = engine_records(people)
    assert 250 <= len(records) <= 500
    model = default_model()
    ids = [r["unique_id"] for r in records]
    duck = engine.predict_duckdb(records, model, threshold=0.5)
    spark = engine.spark_session(master="local[2]", workdir=tmp_path / "spark")
    try:
        sparked = engine.predict_spark(records, model, threshold=0.5, spark=spark)
    finally:
        spark.stop()
    duck_clusters = [c.members for c in engine.cluster(ids, duck)]
    spark_clusters = [c.members for c in engine.cluster(ids, sparked)]
    assert len(duck_clusters) > 20
    assert spark_clusters == duck_clusters
    by_pair = {(x.left, x.right): x.probability for x in duck}
    for link in sparked:
        if link.probability >= 0.9:
            assert by_pair[(link.left, link.right)] == pytest.approx(link.probability, abs=0.05)
