"""Keys that make equal things compare equal: US addresses, surnames, phones, e-mails, document
numbers, sponsors and providers. Pure functions of plain strings (no ORM, no clock).

Addresses go through usaddress-scourgify (USPS abbreviations, case, punctuation), then the unit
word is dropped ("APT 4B" and "# 4B" are one unit) and the ZIP is cut to five digits. What the
parser refuses (a PO Box, an unusual line) falls back to a plain key: upper case, letters and
digits only. Every address key starts with its *block* (ZIP5 and house number, read the same way
from the raw text), so two addresses with one key always share a block: a scan normalises only
the addresses whose block is shared, because the parser costs about 0.4 ms an address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError

_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
_FIRST_NUMBER = re.compile(r"\d+")
_UNIT_WORDS = {"APT", "APARTMENT", "UNIT", "STE", "SUITE", "NO", "NUM", "NUMBER", "RM", "ROOM"}
# Particles that do not tell families apart: "de la Cruz" and "Cruz" are one surname.
_PARTICLES = {"DE", "DEL", "LA", "LAS", "LOS", "Y", "DA", "DOS", "DAS", "VAN", "VON", "E", "DI"}


def _plain(text: str) -> str:
    """Upper-case ASCII letters and digits separated by single spaces."""
    text = text or ""
    # Most values are plain ASCII already: skip the Unicode work for them.
    ascii_text = (text if text.isascii() else anyascii(unicodedata.normalize("NFKC", text))).upper()
    return " ".join(_NOT_ALNUM.sub(" ", ascii_text).split())


def zip5(raw_zip: str) -> str:
    digits = "".join(ch for ch in raw_zip or "" if ch.isdigit())
    return digits[:5]


def address_block(line1: str, zip_code: str) -> str:
    """ZIP5 and the first number of the street line: equal keys imply equal blocks."""
    match = _FIRST_NUMBER.search(anyascii(line1 or ""))
    return f"{zip5(zip_code)}|{match.group(0).lstrip('0') if match else ''}"


def _drop_unit_words(text: str) -> str:
    """Plain words without unit words; dots vanish ("P.O." is "PO")."""
    plain = _plain((text or "").replace(".", "")).replace("POST OFFICE BOX", "PO BOX")
    return " ".join(word for word in plain.split() if word not in _UNIT_WORDS)


def address_key(line1: str, line2: str, city: str, state: str, zip_code: str) -> str:
    """The normalised US address, prefixed by its block. Empty when there is no street line."""
    if not _plain(line1):
        return ""
    block = address_block(line1, zip_code)
    try:
        record = normalize_address_record(
            {
                "address_line_1": anyascii(line1),
                "address_line_2": anyascii(line2 or "") or None,
                "city": anyascii(city or "") or None,
                "state": (state or "") or None,
                "postal_code": zip5(zip_code) or None,
            }
        )
        street = _plain(record.get("address_line_1") or "")
        unit = _drop_unit_words(record.get("address_line_2") or "")
    except (AddressNormalizationError, ValueError, TypeError, KeyError, IndexError):
        street = _drop_unit_words(line1)
        unit = _drop_unit_words(line2 or "")
    return f"{block}|{street}|{unit}"


@lru_cache(maxsize=65536)  # surnames repeat: a scan of millions sees a few thousand
def surname_tokens(family_names: str) -> tuple[str, ...]:
    """Surname words without accents, case or particles: "de la Cruz Pérez" -> (CRUZ, PEREZ)."""
    return tuple(word for word in _plain(family_names).split() if word not in _PARTICLES)


def family_key(family_names: str) -> str:
    """The first surname word: a group's family, for telling related groups apart."""
    tokens = surname_tokens(family_names)
    return tokens[0] if tokens else ""


def phone_key(phone: str) -> str:
    """Digits only, the last ten (a country code typed or not)."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-10:] if len(digits) >= 7 else ""


def email_key(email: str) -> str:
    """Lower case; for Gmail the dots and +tags of the local part are dropped."""
    local, at, domain = (email or "").strip().lower().partition("@")
    if not at or not local or not domain:
        return ""
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def document_key(country: str, number: str) -> str:
    plain = _NOT_ALNUM.sub("", _plain(number))
    return f"{(country or '').upper()}|{plain}" if len(plain) >= 4 else ""


def document_fingerprint(key: bytes, country: str, number: str) -> str:
    """The stored form of a document fact: a keyed hash (HMAC-SHA-256, as person linkage
    compares documents), so the facts table never holds a document number in clear."""
    plain = document_key(country, number)
    return (
        hmac.new(key, f"document:{plain}".encode(), hashlib.sha256).hexdigest()[:32]
        if plain
        else ""
    )


def fingerprint_key(linkage_key: str, secret_key: str) -> bytes:
    """The linkage key when configured, else one derived from the secret key."""
    if linkage_key:
        return linkage_key.encode()
    return hmac.new(secret_key.encode(), b"portline.integrity.document", hashlib.sha256).digest()


def name_key(name: str) -> str:
    """A sponsor's or provider's name: words sorted, so "Dr. Ana López" = "LOPEZ ANA"."""
    words = [w for w in _plain(name).split() if w not in {"DR", "DRA", "LIC", "MR", "MRS", "MS"}]
    return " ".join(sorted(words))


def sponsor_key(name: str, phone: str) -> str:
    """The sponsor's phone when given (names repeat), else the sorted name."""
    phone = phone_key(phone)
    if phone:
        return f"tel:{phone}"
    name = name_key(name)
    return f"name:{name}" if name else ""
