"""Pure normalisation of the fields that person linkage compares.

Plain strings in, plain strings out: no ORM, no clock. Names are transliterated to ASCII
with anyascii (Cyrillic, Greek, accents...), lower-cased and split into parts, dropping the
particles that come and go between records ("de la", "del", "y"). Document numbers, phones
and e-mail addresses never leave this module in the clear: `fingerprint` turns them into a
keyed hash (HMAC-SHA-256) with the linkage key, so two records can be compared without
either plain value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

from anyascii import anyascii

NAME_PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "van", "von", "der"}
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALNUM_UPPER = re.compile(r"[^A-Z0-9]+")
_DIGITS = re.compile(r"\D+")

# USPS-style abbreviations for the words that vary most between two spellings of one address.
_ADDRESS_WORDS = {
    "STREET": "ST",
    "STR": "ST",
    "AVENUE": "AVE",
    "AV": "AVE",
    "AVN": "AVE",
    "ROAD": "RD",
    "DRIVE": "DR",
    "BOULEVARD": "BLVD",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "TERRACE": "TER",
    "CIRCLE": "CIR",
    "HIGHWAY": "HWY",
    "PARKWAY": "PKWY",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
}
_UNIT_WORDS = frozenset({"APT", "APARTMENT", "UNIT", "STE", "SUITE", "NO", "NUM", "RM", "ROOM"})


def name_parts(text: str) -> list[str]:
    """'José de la Cruz-Peña' -> ['jose', 'cruz', 'pena']."""
    ascii_text = anyascii(text or "").lower()
    return [p for p in _NON_ALNUM.split(ascii_text) if p and p not in NAME_PARTICLES]


@dataclass(frozen=True)
class NameKey:
    given_1: str | None
    given_2: str | None
    surname_1: str | None
    surname_2: str | None


def split_name(given_names: str, family_names: str) -> NameKey:
    given = name_parts(given_names)
    family = name_parts(family_names)
    return NameKey(
        given_1=given[0] if given else None,
        given_2=given[1] if len(given) > 1 else None,
        surname_1=family[0] if family else None,
        surname_2=family[1] if len(family) > 1 else None,
    )


def normalise_address(line: str) -> str | None:
    """Upper-case ASCII, USPS abbreviations, no punctuation, no unit words ('Apt 4B' -> '4B')."""
    tokens = _NON_ALNUM_UPPER.split(anyascii(line or "").upper())
    out = [_ADDRESS_WORDS.get(t, t) for t in tokens if t and t not in _UNIT_WORDS]
    return " ".join(out) or None


def zip5(value: str) -> str | None:
    digits = _DIGITS.sub("", value or "")
    return digits[:5] if len(digits) >= 5 else None


def normalise_phone(value: str) -> str | None:
    """The last ten digits: '+52 (55) 1234-5678' and '5512345678' are one number."""
    digits = _DIGITS.sub("", value or "")
    return digits[-10:] if len(digits) >= 7 else None


def normalise_email(value: str) -> str | None:
    value = (value or "").strip().lower()
    return value if "@" in value else None


def normalise_document(value: str) -> str | None:
    """Letters and digits only, upper case: 'ab-123 456' -> 'AB123456'."""
    value = _NON_ALNUM_UPPER.sub("", anyascii(value or "").upper())
    return value or None


def fingerprint(key: bytes, kind: str, value: str | None) -> str | None:
    """Keyed hash of an already normalised value; the kind keeps a phone from matching a
    document number with the same digits."""
    if not value:
        return None
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def iso_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def person_record(
    *,
    key: bytes,
    unique_id: str,
    given_names: str = "",
    family_names: str = "",
    date_of_birth: dt.date | None = None,
    sex: str = "",
    birth_place: str = "",
    address_line: str = "",
    zip_code: str = "",
    phone: str = "",
    email: str = "",
    document: str = "",
    photo_hash: str | None = None,
) -> dict:
    """One engine record (see `engine.RECORD_COLUMNS`) from the plain fields of one row.
    Identifiers come out as fingerprints only."""
    names = split_name(given_names, family_names)
    zip_ = zip5(zip_code)
    street = normalise_address(address_line)
    sex = (sex or "").strip().lower()[:1]
    place = " ".join(name_parts(birth_place)) or None
    return {
        "unique_id": unique_id,
        "given_1": names.given_1,
        "given_2": names.given_2,
        "surname_1": names.surname_1,
        "surname_2": names.surname_2,
        "dob": iso_date(date_of_birth),
        "sex": sex if sex in ("f", "m") else None,
        "birth_place": place,
        "address": f"{street} {zip_ or ''}".strip() if street else None,
        "zip": zip_,
        "doc_fp": fingerprint(key, "document", normalise_document(document)),
        "phone_fp": fingerprint(key, "phone", normalise_phone(phone)),
        "email_fp": fingerprint(key, "email", normalise_email(email)),
        "photo_hash": photo_hash or None,
    }
