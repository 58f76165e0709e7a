"""One normal form for people's names, applied on the way in (pages, API, importers) and
before screening, so that what is stored, shown and screened is the same text.

Pure (standard library only): the screening engine uses it too.

- Unicode NFKC: compatibility forms become ordinary letters (fullwidth letters, U+FF21 on,
  are ASCII letters; the ligature U+FB01 is "fi"; a no-break space is a space).
- Invisible format characters are removed: bidirectional controls (U+202A-U+202E,
  U+2066-U+2069, U+200E, U+200F, U+061C), zero-width characters (U+200B-U+200D, U+2060,
  U+FEFF), the soft hyphen, and every other character of category Cf; control characters
  (Cc) other than whitespace, and lone surrogates. A right-to-left override (U+202E) before
  "abeurP aicuL" makes it display as "Lucia Prueba"; without it, it displays as stored.
- Letters that draw as blank space (Hangul fillers, the blank Braille pattern) are spaces.
- Runs of whitespace become one space; leading and trailing whitespace goes.

A name that has no letter left (for example only controls and spaces) is not a name: callers
refuse it (`portline.common.validators.clean_name`).
"""

from __future__ import annotations

import unicodedata

# Code points of category Lo/So that render as empty space.
_BLANK_LETTERS = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800})


def _kept(ch: str) -> str:
    if ord(ch) in _BLANK_LETTERS:
        return " "
    category = unicodedata.category(ch)
    if category in ("Cf", "Cs"):
        return ""
    if category == "Cc" and not ch.isspace():
        return ""
    return ch


def name_normalise(value: str | None) -> str:
    """The normal form of a name (see the module docstring); '' for None."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value)
    text = "".join(_kept(ch) for ch in text)
    # NFKC again: removing a control can bring a letter and its combining mark together.
    return " ".join(unicodedata.normalize("NFKC", text).split())


def has_letter(value: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in value)
