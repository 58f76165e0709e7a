"""The columnar generator's people and the columnar planting of duplicates."""

from __future__ import annotations

import datetime as dt

import numpy as np

from portline.synthetic import planted
from portline.synthetic.bulk import registration_batches

TODAY = dt.date(2026, 11, 30)


def _people(count: int, seed: int = 3) -> dict[str, list]:
    people: dict[str, list] = {name: [] for name in planted.PERSON_COLUMNS}
    for batch in registration_batches(seed=seed, count=count, today=TODAY, batch_size=700):
        reg = batch.person_registration.tolist()
        people["given_names"] += batch.given_names
        people["family_names"] += batch.family_names
        people["date_of_birth"] += batch.date_of_birth
        people["sex"] += batch.sex
        people["birth_place"] += batch.birth_place
        people["address_line"] += [batch.us_address_line1[i] for i in reg]
        people["zip"] += [batch.us_zip[i] for i in reg]
        people["phone"] += batch.phone
        people["document"] += batch.document_number
    return people


def test_bulk_people_have_ages_of_their_relationship():
    batch = next(registration_batches(seed=5, count=3000, today=TODAY))
    ages = (np.datetime64(TODAY) - np.array(batch.date_of_birth, dtype="datetime64[D]")).astype(
        int
    ) / 365
    relationship = np.array(batch.relationship)
    assert (relationship[batch.position == 1] == "self").all()
    adults = relationship != "child"
    assert ages[adults].min() >= 18 and ages[adults].max() <= 60
    assert ages[~adults].min() >= 0 and ages[~adults].max() <= 17
    assert 0.4 < np.mean(np.array(batch.sex) == "female") < 0.6
    assert all(batch.birth_place)


def test_bulk_columns_are_seeded():
    a = next(registration_batches(seed=5, count=500, today=TODAY))
    b = next(registration_batches(seed=5, count=500, today=TODAY))
    assert a.date_of_birth == b.date_of_birth and a.given_names == b.given_names
    c = next(registration_batches(seed=6, count=500, today=TODAY))
    assert a.date_of_birth != c.date_of_birth


def test_duplicates_are_planted_with_errors_and_the_originals_kept():
    people = _people(3000)
    count = len(people["given_names"])
    out = planted.plant_duplicates(people, seed=9, duplicate_share=0.1)
    assert out == planted.plant_duplicates(people, seed=9, duplicate_share=0.1)
    assert out["record_id"][:count] == [f"r{n}" for n in range(1, count + 1)]
    for name in planted.PERSON_COLUMNS:
        assert out[name][:count] == people[name]
    extra = len(out["record_id"]) - count
    assert 0.08 * count < extra < 0.12 * count
    changed = 0
    for j in range(count, len(out["record_id"])):
        entity = out["entity_id"][j]
        assert out["record_id"][j] == f"d{entity}"
        original = entity - 1
        changed += any(
            out[name][j] != people[name][original]
            for name in ("given_names", "family_names", "date_of_birth")
        )
        dt.date.fromisoformat(out["date_of_birth"][j])
    # A missing second surname on someone who has one only is a no-op; nearly all differ.
    assert changed / extra > 0.9
