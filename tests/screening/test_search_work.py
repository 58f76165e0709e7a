"""The search's shortcuts give the same hits as the long way: candidates scored without
their explanation, only the hits explained, names that cannot reach the minimum not
compared, sorted distinct ids, letters squeezed."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portline.screening.match import (
    ListedPerson,
    MatchPolicy,
    PartialDate,
    Query,
    WatchlistIndex,
    _distinct,
    compare_dob,
    compare_names,
    compare_nationality,
    name_score_ceiling,
    normalise,
    score_entry,
)
from portline.screening.names import squeeze
from portline.synthetic.screening_variants import (
    NameUniverse,
    clean_people,
    labelled_variants,
    synthetic_entries,
)


@pytest.fixture(scope="module")
def listed():
    universe = NameUniverse(seed=21)
    entries = list(synthetic_entries(seed=22, count=3000, universe=universe))
    people = [
        ListedPerson(e.key, (e.name, *e.aliases), e.dates_of_birth, e.nationalities)
        for e in entries
    ]
    people += [
        ListedPerson(90001, ("Muammar Gaddafi",), (PartialDate(1942),), ("LY",)),
        ListedPerson(90002, ("Nikita Khrushchev", "Хрущёв Никита"), (), ("RU",)),
        ListedPerson(90003, ("Mao Zedong",), (PartialDate(1893, 12, 26),), ("CN",)),
    ]
    queries = [
        Query(q.name, PartialDate.parse(q.date_of_birth), q.nationality)
        for q in labelled_variants(entries, seed=23, count=160)
    ]
    queries += [
        Query(q.name, PartialDate.parse(q.date_of_birth), q.nationality)
        for q in clean_people(seed=24, count=80, universe=universe)
    ]
    queries += [Query(n) for n in ("Mouammar Kadhafi", "Chruschtschow Nikita", "Mao Tse-tung")]
    return people, queries, WatchlistIndex.build(people)


def test_a_name_scored_without_its_explanation_scores_the_same(listed):
    people, queries, index = listed
    by_key = {p.key: p for p in people}
    compared = 0
    for query in queries:
        qnorm = normalise(query.name)
        for entry_no in index.candidates(qnorm)[:8].tolist():
            for name in by_key[int(index.keys[entry_no])].names:
                for weight in (None, index.token_weight):
                    full = compare_names(qnorm, normalise(name), weight=weight)
                    short = compare_names(qnorm, normalise(name), weight=weight, explain=False)
                    assert short.score == full.score, (query.name, name)
                    assert short.pairs == []
                    compared += 1
    assert compared > 400


def _skipped_by_the_ceiling(query, qnorm, entry, policy, weight, min_score):
    """Whether `score_entry` with `min_score` compares none of the entry's names."""
    points = (
        compare_dob(query.date_of_birth, entry.dates_of_birth, policy)["points"]
        + compare_nationality(query.nationality, entry.nationalities, policy)["points"]
    )
    return all(
        policy.name_weight * name_score_ceiling(qnorm, normalise(n), policy, weight) + points
        < min_score - 0.05
        for n in entry.names
    )


@pytest.mark.parametrize(
    "policy",
    [
        MatchPolicy(),
        MatchPolicy(dob_conflict=-12.0),  # a conflicting date may still reach the threshold
        MatchPolicy(partial_credit=0.95, threshold=70.0),
    ],
    ids=["default", "mild-conflict", "generous-credit"],
)
def test_only_entries_that_reach_the_minimum_are_explained(listed, policy):
    """With a minimum, an entry below it is None and a hit is the long way's hit, whole: this
    covers the entries whose names are not compared at all because even their ceiling
    cannot reach the minimum (`name_score_ceiling`), counted apart so that the test shows
    the shortcut at work."""
    _people, queries, index = listed
    reached = below = skipped = 0
    for query in queries:
        qnorm = normalise(query.name)
        for entry_no in index.candidates(qnorm)[:8].tolist():
            entry = index.entry(entry_no)
            full = score_entry(query, qnorm, entry, policy, index.token_weight)
            short = score_entry(
                query, qnorm, entry, policy, index.token_weight, min_score=policy.threshold
            )
            if full is not None and full.score >= policy.threshold:
                assert short == full  # the same score, name and explanation
                reached += 1
            else:
                assert short is None
                below += full is not None
            skipped += _skipped_by_the_ceiling(
                query, qnorm, entry, policy, index.token_weight, policy.threshold
            )
    assert reached > 100 and below > 20 and skipped > 20


def test_the_name_score_never_exceeds_its_ceiling(listed):
    people, queries, index = listed
    by_key = {p.key: p for p in people}
    compared = 0
    for policy in (MatchPolicy(), MatchPolicy(partial_credit=1.3)):
        for query in queries:
            qnorm = normalise(query.name)
            for entry_no in index.candidates(qnorm)[:8].tolist():
                for name in by_key[int(index.keys[entry_no])].names:
                    for weight in (None, index.token_weight):
                        norm = normalise(name)
                        score = compare_names(qnorm, norm, policy, weight, explain=False).score
                        assert score <= name_score_ceiling(qnorm, norm, policy, weight) + 0.01
                        compared += 1
    assert compared > 800


_LONG = "abcdefghijklmnopqrstuvwxyzabcdefghij"
_NAME_PARTS = ["ana", "maria", "jose", "luis", "garcia", "lopez", _LONG, _LONG[:-3] + "xyz"]


def test_a_heavy_partial_name_lifts_the_score_above_100_and_the_ceiling_with_it():
    """A rare name two letters off (partial credit) among common extra names: the weighted
    mean passes 1, so a ceiling of 100 would be wrong."""
    policy = MatchPolicy(partial_credit=1.4)
    weights = {"ana": 0.5, "maria": 0.5, "jose": 0.5, "luis": 0.5, _LONG: 1.5, _NAME_PARTS[-1]: 1.5}
    qnorm = normalise(f"ana maria {_LONG}")
    enorm = normalise(f"ana maria jose luis {_NAME_PARTS[-1]}")
    score = compare_names(qnorm, enorm, policy, weights.__getitem__, explain=False).score
    assert 100 < score <= name_score_ceiling(qnorm, enorm, policy, weights.__getitem__)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_NAME_PARTS), min_size=1, max_size=5),
    st.lists(st.sampled_from(_NAME_PARTS), min_size=1, max_size=6),
    st.dictionaries(st.sampled_from(_NAME_PARTS), st.floats(0.5, 1.5), min_size=8),
    st.sampled_from([0.7, 1.0, 1.4]),
)
def test_the_ceiling_holds_for_any_rarity_weights(query, entry, weights, credit):
    """Long names two letters apart earn partial credit; a heavy one among light ones is the
    case where the weighted mean can pass 1."""
    policy = MatchPolicy(partial_credit=credit)
    qnorm, enorm = normalise(" ".join(query)), normalise(" ".join(entry))
    score = compare_names(qnorm, enorm, policy, weights.__getitem__, explain=False).score
    assert score <= name_score_ceiling(qnorm, enorm, policy, weights.__getitem__) + 0.01


def test_a_hit_in_another_transliteration_keeps_its_explanation(listed):
    _people, _queries, index = listed
    hit = index.search(Query("Mouammar Kadhafi"))[0]
    assert hit.key == 90001
    assert {p["how"] for p in hit.explanation["tokens"]} == {"school"}
    hit = index.search(Query("毛泽东"))[0]
    assert hit.key == 90003
    assert all(p.get("query_scheme") for p in hit.explanation["tokens"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-(2**62), max_value=2**62), max_size=300))
def test_distinct_ids_are_numpys_unique(values):
    array = np.array(values, dtype=np.int64)
    assert np.array_equal(_distinct(array), np.unique(array))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aabbcHSs-é", max_size=20))
def test_squeeze_is_the_regular_expression_it_replaces(text):
    assert squeeze(text) == re.sub(r"(.)\1+", r"\1", text)
