"""The interface languages: every folder `portline/locale/<code>/` holding a `language.json`.

Offering a language is adding catalogues, not changing code: the folder's `language.json`
names the language (`name`, `name_local`, `bidi`; Django's own `LANG_INFO` is used for what
the file leaves out), an optional `LC_MESSAGES/django.po` beside it translates Django's own
messages where Django has no catalogue, and every app's `locale/<code>/` catalogue translates
Portline's. `tests/test_translations.py` fails until all of them are complete.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf.locale import LANG_INFO

from config.env import BASE_DIR

LOCALE_DIR = Path(BASE_DIR) / "portline" / "locale"
DEFAULT = "en"


def _declared() -> dict[str, dict]:
    return {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in LOCALE_DIR.glob("*/language.json")
    }


def offered_languages() -> list[tuple[str, str]]:
    """(code, English name) for settings.LANGUAGES: the default first, then by code. Languages
    Django does not know are added to LANG_INFO here (Haitian Creole, for one)."""
    declared = _declared()
    for code, info in declared.items():
        merged = {**LANG_INFO.get(code, {}), **info, "code": code}
        missing = {"name", "name_local", "bidi"} - merged.keys()
        if missing:
            raise ValueError(f"{LOCALE_DIR / code / 'language.json'} lacks {sorted(missing)}")
        LANG_INFO[code] = merged
    codes = sorted(declared, key=lambda code: (code != DEFAULT, code))
    return [(code, LANG_INFO[code]["name"]) for code in codes]


def bidi_languages() -> list[str]:
    """settings.LANGUAGES_BIDI from LANG_INFO (after `offered_languages` added the declared
    ones): the base template writes dir="rtl" for these."""
    return sorted(code for code, info in LANG_INFO.items() if info.get("bidi"))
