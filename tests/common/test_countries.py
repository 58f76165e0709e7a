"""Country and language names in the reader's language, in its alphabetical order."""

from __future__ import annotations

import json

import pytest
from babel import Locale
from django.conf import settings

from portline.common.countries import (
    COUNTRY_CODES,
    NAMES_DIR,
    PERSON_LANGUAGES,
    collator,
    country_choices,
    country_name,
    language_name,
    person_language_choices,
)

OFFERED = [code for code, _name in settings.LANGUAGES]
SHIPPED = sorted(NAMES_DIR.glob("*.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_names_are_complete_and_sourced(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["language"] == path.stem
    assert len(data["source"]) > 80  # says where the names come from
    assert set(data["countries"]) == set(COUNTRY_CODES)
    assert set(data["languages"]) == set(PERSON_LANGUAGES)
    assert all(name.strip() == name and name for name in data["countries"].values())
    if "months" in data:
        assert len(data["months"]) == 12


def test_creole_names_are_creole_not_french():
    french = Locale.parse("fr").territories
    assert country_name("HT", "ht") == "Ayiti"
    assert country_name("US", "ht") == "Etazini"
    assert country_name("MX", "ht") == "Meksik"
    assert language_name("en", "ht") == "angle"
    assert language_name("es", "ht") == "panyòl"
    same_as_french = [c for c in COUNTRY_CODES if country_name(c, "ht") == french.get(c)]
    # Only names that are the same word in both (Gabon, Mali, Panama...), not a fallback.
    assert len(same_as_french) < 60, sorted(same_as_french)


@pytest.mark.parametrize("language", OFFERED)
def test_the_most_chosen_countries_come_first_then_the_rest_in_collation_order(language):
    first, rest = country_choices(language)
    assert [code for code, _name in first[1]] == settings.PORTLINE_COUNTRIES_FIRST
    names = [name for _code, name in rest[1]]
    key = collator(language).getSortKey
    assert names == sorted(names, key=key)
    codes = [code for code, _name in first[1]] + [code for code, _name in rest[1]]
    assert sorted(codes) == sorted(COUNTRY_CODES)  # each country once


def test_accented_names_sort_with_their_letter_not_after_z():
    names = [name for _code, name in country_choices("fr")[1][1]]
    assert names.index("Égypte") < names.index("Espagne") < names.index("Zambie")
    languages = [name for _code, name in person_language_choices("es")]
    assert languages.index("árabe") < languages.index("bengalí")


def test_every_offered_language_names_every_country():
    for language in OFFERED:
        for code in COUNTRY_CODES:
            assert country_name(code, language), (language, code)
        for code in PERSON_LANGUAGES:
            assert language_name(code, language) != code, (language, code)
