"""The search's shortcuts give the same hits as the long way: candidates scored without
their explanation, only the hits explained, sorted distinct ids, letters squeezed."""

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
    compare_names,
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


def test_only_entries_that_reach_the_minimum_are_explained(listed):
    _people, queries, index = listed
    policy = MatchPolicy()
    reached = below = 0
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
    assert reached > 100 and below > 20


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
