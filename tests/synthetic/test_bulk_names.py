"""Name pools passed to the columnar generator: frequencies, second given names, and the
other columns left as they were."""

from __future__ import annotations

import datetime as dt

from portline.synthetic import names
from portline.synthetic.bulk import NamePool, registration_batches

TODAY = dt.date(2026, 11, 30)


def _pool(**extra) -> NamePool:
    return NamePool(["Ana", "Eva"], ["Juan", "Luis"], ["Soto", "Mora"], True, **extra)


def _hispanic(batch) -> list[int]:
    return [i for i, code in enumerate(batch.nationality) if names.POOLS[code] is names.HISPANIC]


def test_frequencies_decide_the_names_drawn():
    pool = _pool(female_weights=[1.0, 0.0], male_weights=[0.0, 1.0], surname_weights=[1, 0])
    pools = {code: pool for code in ("MX", "HN", "GT", "SV", "VE", "CU", "CO", "EC", "NI", "PE")}
    batch = next(registration_batches(seed=5, count=400, today=TODAY, pools=pools))
    rows = _hispanic(batch)
    assert len(rows) > 200
    assert {batch.given_names[i] for i in rows} == {"Ana", "Luis"}
    assert {batch.family_names[i] for i in rows} == {"Soto Soto"}
    # Other nationalities keep the built-in pools.
    others = [i for i in range(len(batch.nationality)) if i not in set(rows)]
    assert {batch.given_names[i] for i in others} - {"Ana", "Luis"}


def test_second_given_names_are_drawn_and_never_repeat_the_first():
    pools = {"MX": _pool(second_given_share=1.0)}
    batch = next(registration_batches(seed=5, count=2000, today=TODAY, pools=pools))
    given = [
        g for g, code in zip(batch.given_names, batch.nationality, strict=True) if code == "MX"
    ]
    assert set(given) == {
        "Ana",
        "Eva",
        "Juan",
        "Luis",
        "Ana Eva",
        "Eva Ana",
        "Juan Luis",
        "Luis Juan",
    }
    two = sum(" " in g for g in given) / len(given)
    assert 0.4 < two < 0.6  # the second draw equals the first half the time and is dropped


def test_passing_pools_changes_the_names_and_nothing_else():
    plain = next(registration_batches(seed=5, count=500, today=TODAY))
    pooled = next(
        registration_batches(
            seed=5, count=500, today=TODAY, pools={"MX": _pool(second_given_share=0.5)}
        )
    )
    assert plain.given_names != pooled.given_names
    for column in ("date_of_birth", "sex", "birth_place", "phone", "document_number", "us_zip"):
        assert getattr(plain, column) == getattr(pooled, column), column
    mx = [i for i, code in enumerate(plain.nationality) if code != "MX"]
    assert [plain.given_names[i] for i in mx] == [pooled.given_names[i] for i in mx]
