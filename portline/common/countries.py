"""ISO 3166-1 alpha-2 countries with names in the user's language (from Babel's CLDR data)."""

from __future__ import annotations

from functools import cache

from babel import Locale
from django.utils.translation import get_language


@cache
def _names(language: str) -> dict[str, str]:
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except Exception:  # an unknown language falls back to English names
        locale = Locale.parse("en")
    territories = locale.territories
    english = Locale.parse("en").territories
    return {
        code: territories.get(code, english[code])
        for code in english
        if len(code) == 2
        and code.isalpha()
        and code not in {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
    }


COUNTRY_CODES: frozenset[str] = frozenset(_names("en"))


def is_country(code: str) -> bool:
    return code in COUNTRY_CODES


def country_name(code: str, language: str | None = None) -> str:
    return _names(language or get_language() or "en").get(code, code)


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    names = _names(language or get_language() or "en")
    return sorted(names.items(), key=lambda item: item[1])
