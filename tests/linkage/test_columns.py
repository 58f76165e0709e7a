"""The column-wise normaliser and the model-reuse rule: the same records as row by row."""

from __future__ import annotations

import datetime as dt
import hmac

import pyarrow as pa
import pytest

from portline.linkage import engine, normalise
from tests.linkage.conftest import KEY, engine_records

# Rows the planted set does not have: other scripts, particles, units, odd spacing, empty and
# missing values, an e-mail and a photo hash.
ODD_ROWS = [
    {
        "unique_id": "x1",
        "given_names": "  Александр  Пётр ",
        "family_names": "de la Cruz-Peña y Núñez",
        "date_of_birth": dt.date(1990, 2, 11),
        "sex": " Female",
        "birth_place": "San Pedro Sula",
        "address_line": "742 Evergreen Terrace, Apt. 2",
        "zip_code": "77002-1234",
        "phone": "+52 (55) 1234-5678",
        "email": " Ana.Cruz@Example.ORG ",
        "document": "ab-123 456",
        "photo_hash": "ffee001122334455",
    },
    {
        "unique_id": "x2",
        "given_names": "",
        "family_names": "Ngô",
        "date_of_birth": None,
        "sex": "x",
        "birth_place": "",
        "address_line": "",
        "zip_code": "123",
        "phone": "12345",
        "email": "not an address",
        "document": "--",
        "photo_hash": None,
    },
    {"unique_id": "x3", "given_names": "Luis", "family_names": ""},
]


def _columns(rows: list[dict]) -> dict[str, list]:
    return {name: [row.get(name) for row in rows] for name in normalise.INPUT_COLUMNS}


def test_person_columns_give_the_records_person_record_gives(labelled_people):
    rows = [
        {
            "unique_id": p.record_id,
            "given_names": p.given_names,
            "family_names": p.family_names,
            "date_of_birth": p.date_of_birth.isoformat(),
            "sex": p.sex,
            "birth_place": p.birth_place,
            "address_line": p.address_line,
            "zip_code": p.zip,
            "phone": p.phone,
            "document": p.document,
        }
        for p in labelled_people[:3000]
    ] + ODD_ROWS
    expected = engine_records(labelled_people[:3000]) + [
        normalise.person_record(key=KEY, **{k: v for k, v in row.items() if v is not None})
        for row in ODD_ROWS
    ]
    columns = normalise.person_columns(KEY, _columns(rows))
    got = pa.table(columns).to_pylist()
    assert any(r["email_fp"] for r in got) and any(r["given_2"] for r in got)
    assert got == expected
    # And the derived blocking columns agree with the row-by-row table.
    assert engine.columns_table(columns).equals(engine.records_table(expected))


def test_person_columns_treat_a_missing_column_as_empty():
    columns = normalise.person_columns(KEY, {"unique_id": ["a"], "given_names": ["Ana"]})
    row = pa.table(columns).to_pylist()[0]
    assert row["given_1"] == "ana"
    assert all(row[c] is None for c in engine.RECORD_COLUMNS if c not in ("unique_id", "given_1"))


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"a much longer key " * 8])
def test_fingerprinter_is_hmac_sha256(key):
    keyed = normalise.fingerprinter(key)
    for kind, value in (("phone", "5512345678"), ("document", "ÀB12"), ("email", "a@b.c")):
        assert keyed(kind, value) == normalise.fingerprint(key, kind, value)
        expected = hmac.new(key, f"{kind}:{value}".encode(), "sha256").hexdigest()[:32]
        assert keyed(kind, value) == expected
    assert keyed("phone", "") is None and keyed("phone", None) is None


def test_derived_date_columns_pair_two_parts_of_the_date():
    row = engine.records_table([{"unique_id": "a", "dob": "1984-11-03"}]).to_pylist()[0]
    assert (row["dob_ym"], row["dob_yd"], row["dob_md"], row["dob_dm"]) == (
        "1984-11",
        "1984-03",
        "11-03",
        "03-11",
    )
    swapped = engine.records_table([{"unique_id": "b", "dob": "1984-03-11"}]).to_pylist()[0]
    assert swapped["dob_dm"] == row["dob_dm"] and swapped["dob_year"] == row["dob_year"]


def test_a_stored_model_is_reused_until_the_records_double_or_halve():
    trained = {engine.TRAINED_ON_KEY: 100_000}
    assert not engine.should_retrain(trained, records=100_000, minimum=5000)
    assert not engine.should_retrain(trained, records=199_999, minimum=5000)
    assert not engine.should_retrain(trained, records=50_000, minimum=5000)
    assert engine.should_retrain(trained, records=200_001, minimum=5000)
    assert engine.should_retrain(trained, records=49_999, minimum=5000)
    # The shipped model (no training count) and no model at all: train, unless too few.
    assert engine.should_retrain({}, records=5000, minimum=5000)
    assert engine.should_retrain(None, records=5000, minimum=5000)
    assert not engine.should_retrain(None, records=4999, minimum=5000)


def test_clusters_leave_out_links_to_records_not_in_the_run():
    links = [engine.Link("a", "b", 0.99, 8.0), engine.Link("b", "z", 0.99, 8.0)]
    clusters = engine.cluster("abc", links)
    assert [c.members for c in clusters] == [["a", "b"]]
