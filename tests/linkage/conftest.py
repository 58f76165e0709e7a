from __future__ import annotations

import datetime as dt

import pytest

from portline.linkage import normalise
from portline.synthetic import planted

KEY = b"test-key"


def engine_records(people: list[planted.PlantedPerson]) -> list[dict]:
    return [
        normalise.person_record(
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
        for p in people
    ]


@pytest.fixture(scope="session")
def labelled_people() -> list[planted.PlantedPerson]:
    return list(
        planted.planted_people(
            seed=11, registrations=1500, duplicate_share=0.15, today=dt.date(2026, 11, 30)
        )
    )
