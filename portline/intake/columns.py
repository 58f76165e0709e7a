"""The columns of a bulk file: what each holds, which are required, how headers are matched.

A file's header row is matched to these columns by the column key (`given_names`) or by its
heading in any offered language ("Given names", "Nombres", ...); staff can change the
matching on the check page. Columns the file has beyond these are ignored (and said so)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    heading: Promise
    help: Promise
    required: bool = False
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "group",
        _("Group"),
        _(
            "Rows with the same group code travel together and form one registration (up to 10 "
            "people, the first row is the main applicant). Leave empty for a person alone."
        ),
        example="F1",
    ),
    Column(
        "relationship",
        _("Relationship"),
        _("To the main applicant: self, spouse, child, parent, sibling, relative, other."),
        example="self",
    ),
    Column("given_names", _("Given names"), _("As in the identity document."), True, "Ana María"),
    Column("family_names", _("Family names"), _("As in the identity document."), True, "Pérez"),
    Column(
        "date_of_birth",
        _("Date of birth"),
        _("YYYY-MM-DD, DD/MM/YYYY or DD.MM.YYYY (day first), or a date cell."),
        True,
        "1990-04-23",
    ),
    Column("city_of_birth", _("City of birth"), _("Optional now, needed to submit."), False, ""),
    Column(
        "country_of_birth",
        _("Country of birth"),
        _("Two-letter country code (HT, VE, MX...)."),
        example="VE",
    ),
    Column("nationality", _("Nationality"), _("Two-letter country code."), True, "VE"),
    Column("country_of_residence", _("Country of residence"), _("Two-letter country code."), False),
    Column("gender", _("Gender"), _("female, male, other or unspecified."), example="female"),
    Column(
        "preferred_language",
        _("Preferred language"),
        _("Language code the person reads best (es, en, ht, fr, pt...)."),
        example="es",
    ),
    Column("email", _("E-mail"), _("Optional.")),
    Column("phone", _("Phone"), _("Optional; with the country code, e.g. +52 55 1234 5678.")),
    Column("foreign_address", _("Current address"), _("Where the person lives now.")),
    Column("height_cm", _("Height (cm)"), _("Whole number of centimetres.")),
    Column("weight_kg", _("Weight (kg)"), _("Whole number of kilograms.")),
    Column(
        "eye_colour",
        _("Eye colour"),
        _("brown, black, hazel, green, blue, grey or other."),
    ),
    Column(
        "consent_medium",
        _("Consent given"),
        _(
            "paper or screen: how the person (for a group, the main applicant) agreed that your "
            "organization acts for them. Required: a row without consent is refused."
        ),
        True,
        "paper",
    ),
    Column(
        "consent_language",
        _("Consent language"),
        _("Language code of the consent statement the person read (en, es, ht, fr, pt)."),
        True,
        "es",
    ),
    Column(
        "consent_given_on",
        _("Consent date"),
        _("The day consent was given, in one of the date forms above."),
        True,
        "2026-11-30",
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)


def header_key(text: object) -> str:
    """A header cell reduced for matching: case, accents, spaces and punctuation ignored."""
    value = unicodedata.normalize("NFKD", str(text or "")).casefold()
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return "".join(ch for ch in value if ch.isalnum())


def _aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for column in COLUMNS:
                aliases.setdefault(header_key(column.heading), column.key)
    for column in COLUMNS:
        aliases[header_key(column.key)] = column.key
    return aliases


def mapping_guess(headers: list[str]) -> list[str]:
    """For each header, the column key it names, or "" (ignored). A key is used once."""
    aliases = _aliases()
    used: set[str] = set()
    result = []
    for header in headers:
        key = aliases.get(header_key(header), "")
        if key in used:
            key = ""
        used.add(key)
        result.append(key)
    return result
