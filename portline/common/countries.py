"""Countries (ISO 3166-1 alpha-2) and the languages people state, named in the reader's language.

Names come from Babel's CLDR data, except for a language whose names ship in
`portline/common/data/names/<code>.json` (Haitian Creole: CLDR has none and Babel would fall
back to French). Lists are sorted by the reader's language's collation (ICU), not by code
points, so "Égypte" sorts with the E's; the countries applicants choose most often
(`PORTLINE_COUNTRIES_FIRST`) come first, in every language.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import icu
from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Languages people state as preferred (ISO 639-1 where it exists); named by `language_name`.
PERSON_LANGUAGES = (
    "es",
    "en",
    "ht",
    "fr",
    "pt",
    "qu",
    "ru",
    "uk",
    "zh",
    "tr",
    "hi",
    "pa",
    "bn",
    "ne",
    "ar",
    "fa",
    "ps",
    "am",
    "ti",
    "so",
    "wo",
    "ka",
    "uz",
    "ky",
    "vi",
)
NAMES_DIR = Path(__file__).resolve().parent / "data" / "names"
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def language_base(language: str | None = None) -> str:
    """The base code of a language ("pt" for "pt-br"), the active one by default."""
    return (language or get_language() or settings.LANGUAGE_CODE).replace("_", "-").split("-")[0]


@cache
def shipped_names(language: str) -> dict[str, Any]:
    """The names Portline ships for a language (countries, languages, time-zone cities), or {}."""
    path = NAMES_DIR / f"{language}.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        "countries": data["countries"],
        "languages": data["languages"],
        "zones": data.get("zones", {}),
        "months": data.get("months", []),
    }


def _babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):  # an unknown language falls back to English names
        return Locale.parse("en")


@cache
def _country_names(language: str) -> dict[str, str]:
    english = Locale.parse("en").territories
    codes = [c for c in english if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES]
    names = shipped_names(language).get("countries") or _babel_locale(language).territories
    return {code: names.get(code) or english[code] for code in codes}


@cache
def _language_names(language: str) -> dict[str, str]:
    english = Locale.parse("en").languages
    names = shipped_names(language).get("languages") or _babel_locale(language).languages
    return {code: names.get(code) or english.get(code, code) for code in PERSON_LANGUAGES}


COUNTRY_CODES: frozenset[str] = frozenset(_country_names("en"))


@cache
def collator(language: str) -> icu.Collator:
    """ICU's collator for the language (the root collation where ICU has no tailoring)."""
    return icu.Collator.createInstance(icu.Locale(language))


def sort_names(items: dict[str, str], language: str) -> list[tuple[str, str]]:
    key = collator(language).getSortKey
    return sorted(items.items(), key=lambda item: key(item[1]))


def is_country(code: str) -> bool:
    return code in COUNTRY_CODES


def country_name(code: str, language: str | None = None) -> str:
    return _country_names(language_base(language)).get(code, code)


def countries_first() -> list[str]:
    return [code for code in settings.PORTLINE_COUNTRIES_FIRST if code in COUNTRY_CODES]


@cache
def _country_choices(language: str, first: tuple[str, ...]) -> list:
    names = _country_names(language)
    rest = {code: name for code, name in names.items() if code not in first}
    everything = sort_names(rest, language)
    if not first:
        return everything
    return [
        (_("Chosen most often"), [(code, names[code]) for code in first]),
        (_("All countries"), everything),
    ]


def country_choices(language: str | None = None) -> list:
    """Choices for a country field: the most chosen countries first (a group), then all the
    others in the reader's collation order. Each country appears once."""
    return _country_choices(language_base(language), tuple(countries_first()))


def country_pairs(language: str | None = None) -> list[tuple[str, str]]:
    """Every country once as (code, name), flat: the most chosen first, then the others in
    the reader's collation order (for a list that cannot hold groups, such as a datalist)."""
    pairs: list[tuple[str, str]] = []
    for choice in country_choices(language):
        if isinstance(choice[1], list):
            pairs.extend(choice[1])
        else:
            pairs.append(choice)
    return pairs


def language_name(code: str, language: str | None = None) -> str:
    return _language_names(language_base(language)).get(code, code)


def person_language_choices(language: str | None = None) -> list[tuple[str, str]]:
    """The languages a person may state as preferred, in the reader's collation order."""
    base = language_base(language)
    return sort_names(_language_names(base), base)


def interface_language_choices() -> list[tuple[str, str]]:
    """The offered interface languages (settings.LANGUAGES), each named in itself."""
    from django.utils.translation import get_language_info

    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]
