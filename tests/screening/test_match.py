# ruff: noqa: RUF001  (names in Cyrillic and typographic apostrophes are test data)
"""The pure matching engine: normalisation, each variant kind, ranking, recall and alert rate."""

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portline.screening.match import (
    ListedPerson,
    MatchPolicy,
    PartialDate,
    Query,
    WatchlistIndex,
    compare_dob,
    compare_names,
    normalise,
    screen,
    spelling_key,
)
from portline.synthetic.screening_variants import (
    VARIANT_KINDS,
    NameUniverse,
    clean_people,
    labelled_variants,
    make_variant,
    synthetic_entries,
    to_cyrillic,
)

LISTED = [
    ListedPerson(
        1, ("José Luis García López", "Pepe García"), (PartialDate(1980, 5, 17),), ("MX",)
    ),
    ListedPerson(2, ("Jean-Baptiste Saint-Fleur",), (PartialDate(1975),), ("HT",)),
    ListedPerson(3, ("Aleksandr Sergeyevich Ivanov",), (PartialDate(1970, 1, 2),), ("RU",)),
    ListedPerson(4, ("Francisco Javier Hernández Vázquez",), (), ("GT",)),
    ListedPerson(5, ("María Guadalupe de la Cruz Ramírez",), (PartialDate(1992, 11, 3),), ("HN",)),
    ListedPerson(6, ("Jesús Alberto Mejía Orellana",), (PartialDate(1988, 2, 29),), ("SV",)),
]


@pytest.fixture(scope="module")
def index():
    return WatchlistIndex.build(LISTED)


def keys(index, name, dob=None, nationality=""):
    return [h.key for h in index.search(Query(name, PartialDate.parse(dob), nationality))]


def test_normalise_folds_accents_scripts_and_particles():
    assert normalise("José  de la CRUZ").texts == ("jose", "cruz")
    assert normalise("Александр Иванов").texts == ("aleksandr", "ivanov")
    assert normalise("Saint-Fleur").texts == ("saint", "fleur")
    assert normalise("O’Brien").texts == ("obrien",)
    assert spelling_key("vazquez") == spelling_key("vasquez")
    assert spelling_key("jimenez") == spelling_key("gimenez")
    assert spelling_key("maria") != spelling_key("mario")


@pytest.mark.parametrize(
    ("kind", "query", "expected"),
    [
        ("accents", "Jose Luis Garcia Lopez", 1),
        ("order", "García López José Luis", 1),
        ("drop_middle", "José García López", 1),
        ("drop_second_surname", "José Luis García", 1),
        ("typo", "Jose Luis Garcai Lopes", 1),
        ("typo", "Francsico Javier Hernandez Vazques", 4),
        ("transliteration", "Хосе Луис Гарсия Лопес", 1),
        ("transliteration", "Александр Сергеевич Иванов", 3),
        ("transliteration spelling", "Alexander Ivanov", 3),
        ("nickname", "Sasha Ivanov", 3),
        ("nickname", "Paco Javier Hernández Vázquez", 4),
        ("nickname", "Lupe de la Cruz Ramírez", 5),
        ("nickname", "Chuy Alberto Mejía Orellana", 6),
        ("alias", "Pepe Garcia", 1),
        ("compound", "Jeanbaptiste Saintfleur", 2),
        ("compound", "Jean Baptiste Saint Fleur", 2),
        ("compound", "María Guadalupe Delacruz Ramírez", 5),
        ("extra name", "Francisco Javier Antonio Hernández Vázquez", 4),
    ],
)
def test_each_variant_kind_is_found(index, kind, query, expected):
    assert expected in keys(index, query), kind


def test_every_hit_has_a_score_and_an_explanation(index):
    (hit,) = [
        h
        for h in index.search(Query("Pepe Garsia Lopez", PartialDate(1980, 5, 17), "MX"))
        if h.key == 1
    ]
    assert 0 < hit.score <= 100
    explanation = hit.explanation
    assert explanation["matched_name"] == "José Luis García López"
    assert {p["how"] for p in explanation["tokens"]} == {"nickname", "spelling", "accents"}
    assert explanation["missing"] == ["Luis"]
    assert explanation["dob"]["result"] == "exact"
    assert explanation["nationality"]["result"] == "match"


def test_different_people_are_not_hits(index):
    assert keys(index, "Pedro Ramírez Flores", "1980-05-17", "MX") == []
    assert keys(index, "José García Pérez", "1990-01-01", "MX") == []  # a conflicting surname
    assert keys(index, "Mario Sánchez") == []


def test_date_of_birth_ranks_namesakes():
    twins = [
        ListedPerson(10, ("Ana María Torres Ruiz",), (PartialDate(1961, 1, 1),), ("CU",)),
        ListedPerson(11, ("Ana María Torres Ruiz",), (PartialDate(1990, 7, 14),), ("CU",)),
        ListedPerson(12, ("Ana María Torres Ruiz",), (), ()),
        ListedPerson(13, ("Ana María Torres Ruiz",), (PartialDate(1990),), ()),
    ]
    index = WatchlistIndex.build(twins)
    hits = index.search(Query("Ana Maria Torres Ruiz", PartialDate(1990, 7, 14), "CU"))
    assert [h.key for h in hits] == [11, 13, 12]  # exact date, same year, no date; 10 conflicts
    assert hits[0].explanation["dob"]["result"] == "exact"
    below = index.search(
        Query("Ana Maria Torres Ruiz", PartialDate(1990, 7, 14), "CU"), min_score=0
    )
    conflict = next(h for h in below if h.key == 10)
    assert (
        conflict.explanation["dob"]["result"] == "conflict"
        and conflict.score < MatchPolicy().threshold
    )


def test_nationality_ranks_namesakes():
    index = WatchlistIndex.build(
        [
            ListedPerson(20, ("Carlos Reyes Mendoza",), (), ("VE",)),
            ListedPerson(21, ("Carlos Reyes Mendoza",), (), ("CO",)),
        ]
    )
    assert [h.key for h in index.search(Query("Carlos Reyes Mendoza", None, "CO"))] == [21, 20]


@pytest.mark.parametrize(
    ("query", "entry", "result"),
    [
        ("1980-05-17", "1980-05-17", "exact"),
        ("1980-05-17", "1980-05-18", "close"),  # one digit
        ("1980-05-07", "1980-07-05", "close"),  # day and month swapped
        ("1980-05-17", "1980", "year"),
        ("1980-05-17", "1981", "close"),
        ("1980-05-17", "1975-01-01", "conflict"),
    ],
)
def test_dob_comparison(query, entry, result):
    assert (
        compare_dob(PartialDate.parse(query), [PartialDate.parse(entry)], MatchPolicy())["result"]
        == result
    )


def test_partial_dates_are_parsed_and_checked():
    assert str(PartialDate.parse("1975")) == "1975"
    assert str(PartialDate.parse("1975-3")) == "1975-03"
    with pytest.raises(ValueError):
        PartialDate.parse("1975-02-30")
    with pytest.raises(ValueError):
        PartialDate.parse("17/05/1980")


def test_index_agrees_with_a_full_scan(index):
    for name in (
        "Jose Garcia Lopez",
        "Ivanov Aleksandr",
        "Jean Saint Fleur",
        "Hernandez Francisco",
    ):
        query = Query(name)
        assert [h.key for h in index.search(query)] == [h.key for h in screen(LISTED, query)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["José", "Luis", "García", "López", "Ana", "Saint-Fleur", "Иван", "Nguyễn"]
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_name_matches_itself_fully(words):
    name = " ".join(words)
    assert compare_names(normalise(name), normalise(name)).score == 100.0


@pytest.mark.parametrize("kind", VARIANT_KINDS)
def test_the_variant_generator_makes_each_kind(kind):
    import numpy as np

    rng = np.random.default_rng(1)
    given_names, surnames = ("José", "Luis"), ("García", "Saint-Fleur")
    variant = make_variant(given_names, surnames, kind, rng)
    assert variant and variant != "José Luis García Saint-Fleur"
    assert to_cyrillic("Chávez") == "Чавез"


def test_recall_and_clean_alert_rate_on_a_labelled_set():
    """Fixed seeds: a 5,000-entry list, 480 labelled variants (60 of each kind), 500 clean people."""
    universe = NameUniverse(seed=11)
    entries = list(synthetic_entries(seed=12, count=5000, universe=universe))
    index = WatchlistIndex.build(
        ListedPerson(e.key, (e.name, *e.aliases), e.dates_of_birth, e.nationalities)
        for e in entries
    )
    variants = labelled_variants(entries, seed=13, count=480)
    assert Counter(q.kind for q in variants) == dict.fromkeys(VARIANT_KINDS, 60)
    found = sum(
        q.expected_key
        in {
            h.key
            for h in index.search(Query(q.name, PartialDate.parse(q.date_of_birth), q.nationality))
        }
        for q in variants
    )
    clean = list(clean_people(seed=14, count=500, universe=universe))
    alerted = sum(
        bool(index.search(Query(q.name, PartialDate.parse(q.date_of_birth), q.nationality)))
        for q in clean
    )
    assert found / len(variants) >= 0.99
    assert alerted / len(clean) <= 0.02


def test_a_person_is_never_refused_by_the_engine(index):
    """The engine returns flags (hits) only; there is no verdict field to act on."""
    hit = index.search(Query("José Luis García López", PartialDate(1980, 5, 17), "MX"))[0]
    assert set(vars(hit)) == {"key", "score", "name_score", "matched_name", "explanation"}
    assert dt.date(1980, 5, 17).isoformat() == hit.explanation["dob"]["query"]


NAME_WORDS = st.sampled_from(
    [
        "José",
        "Luis",
        "García",
        "López",
        "Guadalupe",
        "Saint-Fleur",
        "Иван",
        "Nguyễn",
        "Wilner",
        "Oñate",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(NAME_WORDS, min_size=2, max_size=5, unique=True), st.randoms(use_true_random=False))
def test_name_order_and_accents_do_not_change_the_name_score(words, rnd):
    import unicodedata

    shuffled = list(words)
    rnd.shuffle(shuffled)
    plain = "".join(
        c for c in unicodedata.normalize("NFD", " ".join(words)) if unicodedata.category(c) != "Mn"
    )
    original = normalise(" ".join(words))
    assert compare_names(normalise(" ".join(shuffled)), original).score == 100.0
    assert compare_names(normalise(plain), original).score == 100.0


def test_rare_names_weigh_more_than_common_ones():
    """Rarity weights come from the list: a name many entries share weighs less."""
    fillers = [
        ListedPerson(100 + n, (f"{given} García",), (), ())
        for n, given in enumerate(
            f"{a}{b}o" for a in ("Ber", "Dam", "Fel", "Gil", "Hor") for b in "aeilnrstu"
        )
    ]
    listed = [ListedPerson(1, ("Juan García Oyarzábal",), (), ()), *fillers]
    index = WatchlistIndex.build(listed)
    assert index.token_weight("garcia") < index.token_weight("oyarzabal")
    assert index.token_weight("garcia") == 0.5
    assert index.token_weight("not-listed") == 1.0

    entry = normalise("Juan García Oyarzábal")
    conflict_on_rare = normalise("Juan García Echeverría")
    conflict_on_common = normalise("Juan Pérez Oyarzábal")
    plain = compare_names(conflict_on_rare, entry).score
    assert plain == compare_names(conflict_on_common, entry).score
    # A conflict on the rare surname costs more than a conflict on the common one.
    assert (
        compare_names(conflict_on_rare, entry, weight=index.token_weight).score
        < compare_names(conflict_on_common, entry, weight=index.token_weight).score
    )
    # The explanation shows each listed name's weight.
    pairs = compare_names(conflict_on_common, entry, weight=index.token_weight).pairs
    assert {p["entry"]: p["weight"] for p in pairs}["Oyarzábal"] > 1.0


def test_candidates_sharing_a_rare_name_rank_first():
    listed = [
        ListedPerson(1, ("Maria Lopez Garcia",), (), ()),
        ListedPerson(2, ("Ana Lopez Oyarzabal",), (), ()),
        *(
            ListedPerson(10 + n, (f"Maria Lopez {s}",), (), ())
            for n, s in enumerate(("Perez", "Diaz", "Ruiz", "Soto", "Vega", "Leon", "Mora", "Rios"))
        ),
    ]
    index = WatchlistIndex.build(listed)
    order = index.candidates(normalise("Maria Lopez Oyarzabal"))
    # Entry 2 shares the rare pair (lopez, oyarzabal); the others only the common maria-lopez.
    assert int(index.keys[order[0]]) == 2


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_the_normal_form_shortcut_agrees_with_name_normalise(text):
    from portline.common.names import name_normalise
    from portline.screening.match import _name_normal

    assert _name_normal(text) == name_normalise(text)
