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
import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
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
    return hmac.digest(key, f"{kind}:{value}".encode(), "sha256").hex()[:32]


@functools.lru_cache(maxsize=8)
def fingerprinter(key: bytes) -> Callable[[str, str | None], str | None]:
    """`fingerprint` with the key's two padded blocks hashed once (RFC 2104, as `hmac` does
    inside): the same values, about twice as fast over millions of values."""
    block = hashlib.sha256().block_size
    padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def keyed(kind: str, value: str | None) -> str | None:
        if not value:
            return None
        first = inner.copy()
        first.update(f"{kind}:{value}".encode())
        second = outer.copy()
        second.update(first.digest())
        return second.hexdigest()[:32]

    return keyed


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
    place = " ".join(name_parts(birth_place)) or None
    return {
        "unique_id": unique_id,
        "given_1": names.given_1,
        "given_2": names.given_2,
        "surname_1": names.surname_1,
        "surname_2": names.surname_2,
        "dob": iso_date(date_of_birth),
        "sex": _sex(sex),
        "birth_place": place,
        "address": f"{street} {zip_ or ''}".strip() if street else None,
        "zip": zip_,
        "doc_fp": fingerprint(key, "document", normalise_document(document)),
        "phone_fp": fingerprint(key, "phone", normalise_phone(phone)),
        "email_fp": fingerprint(key, "email", normalise_email(email)),
        "photo_hash": photo_hash or None,
    }


# --- Columns at once ------------------------------------------------------------------------

# The plain input columns of `person_columns`, as `person_record`'s arguments.
INPUT_COLUMNS = (
    "unique_id",
    "given_names",
    "family_names",
    "date_of_birth",  # ISO date strings (or dates)
    "sex",
    "birth_place",
    "address_line",
    "zip_code",
    "phone",
    "email",
    "document",
    "photo_hash",
)


def _per_value(values: Sequence | pa.Array, function: Callable[[Any], Any]) -> pa.Array:
    """`function` applied once per distinct value (dictionary encoding), spread back to every
    row: names, streets and ZIP codes repeat a great deal, so this is far fewer calls."""
    array = values if isinstance(values, pa.Array) else pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    out = pa.array([function(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return out.take(encoded.indices)


def _parts(index: int) -> Callable[[Any], str | None]:
    def pick(text: Any) -> str | None:
        parts = name_parts(text or "")
        return parts[index] if len(parts) > index else None

    return pick


def person_columns(key: bytes, columns: Mapping[str, Sequence | pa.Array]) -> dict[str, pa.Array]:
    """The engine columns (`engine.RECORD_COLUMNS`) of many rows at once, each the same as
    `person_record` gives row by row; missing input columns count as empty. Every distinct
    value is normalised (and fingerprinted) once."""
    rows = len(columns["unique_id"])

    def column(name: str) -> Sequence | pa.Array:
        return columns[name] if name in columns else pa.nulls(rows, pa.string())

    street = _per_value(column("address_line"), lambda v: normalise_address(v or ""))
    zip_ = _per_value(column("zip_code"), lambda v: zip5(v or ""))
    joined = pc.binary_join_element_wise(street, pc.fill_null(zip_, ""), " ")
    dob = column("date_of_birth")
    keyed = fingerprinter(key)
    return {
        "unique_id": pc.cast(pa.array(column("unique_id")), pa.string()),
        "given_1": _per_value(column("given_names"), _parts(0)),
        "given_2": _per_value(column("given_names"), _parts(1)),
        "surname_1": _per_value(column("family_names"), _parts(0)),
        "surname_2": _per_value(column("family_names"), _parts(1)),
        "dob": _per_value(_iso_dates(dob), lambda v: v or None),
        "sex": _per_value(column("sex"), _sex),
        "birth_place": _per_value(column("birth_place"), lambda v: " ".join(name_parts(v)) or None),
        "address": pc.utf8_trim_whitespace(joined),
        "zip": zip_,
        "doc_fp": _per_value(
            column("document"), lambda v: keyed("document", normalise_document(v))
        ),
        "phone_fp": _per_value(column("phone"), lambda v: keyed("phone", normalise_phone(v))),
        "email_fp": _per_value(column("email"), lambda v: keyed("email", normalise_email(v))),
        "photo_hash": _per_value(column("photo_hash"), lambda v: v or None),
    }


def _iso_dates(values: Sequence | pa.Array) -> pa.Array:
    """Dates of birth as ISO strings, from strings, dates or a date column."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return pc.cast(values, pa.string())
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([v.isoformat() if isinstance(v, dt.date) else v for v in values])


def _sex(value: Any) -> str | None:
    sex = (value or "").strip().lower()[:1]
    return sex if sex in ("f", "m") else None
