"""Reads of encryption at rest: which keys the stored data is wrapped by, and the start-up
check that refuses a missing, wrong or retired key-encryption key before anything is written."""

from __future__ import annotations

from collections import Counter
from itertools import islice

from django.db import connection
from django.utils.translation import gettext as _

from portline.common.encryption import (
    HEADER_BYTES,
    VALUE_KEY_ID,
    VALUE_PREFIX,
    EncryptionError,
    FileHeader,
    KeyRing,
    keyring,
    value_decrypt,
)
from portline.common.errors import ApplicationError
from portline.keys.models import RetiredKey
from portline.keys.services import encrypted_columns, private_files

FILES_CHECKED_AT_START = 50


class KeyRefused(ApplicationError):
    """The configured keys cannot read the stored data, or one of them is retired."""


def value_key_ids() -> Counter[str]:
    """Encrypted database values by the key id that wraps them ("plaintext": not yet sealed)."""
    q = connection.ops.quote_name
    counts: Counter[str] = Counter()
    start, length = VALUE_KEY_ID.start + 1, VALUE_KEY_ID.stop - VALUE_KEY_ID.start
    with connection.cursor() as cursor:
        for column in encrypted_columns():
            col = q(column.column)
            cursor.execute(
                f"SELECT CASE WHEN {col} LIKE %s THEN SUBSTR({col}, {start}, {length}) "  # noqa: S608 - names from models
                f"ELSE 'plaintext' END, COUNT(*) FROM {q(column.table)} "
                f"WHERE {col} IS NOT NULL GROUP BY 1",
                [VALUE_PREFIX + "%"],
            )
            for kid, count in cursor.fetchall():
                counts[kid] += count
    return counts


def file_key_ids(limit: int | None = None) -> Counter[str]:
    """Stored files by the key id that wraps them ("plaintext": not yet sealed)."""
    counts: Counter[str] = Counter()
    for path in islice(private_files(), limit):
        try:
            with path.open("rb") as handle:
                header = FileHeader.parse(handle.read(HEADER_BYTES))
        except (FileNotFoundError, EncryptionError):
            counts["unreadable"] += 1
            continue
        counts["plaintext" if header is None else header.kid.hex()] += 1
    return counts


def keys_check(*, ring: KeyRing | None = None, files: int | None = FILES_CHECKED_AT_START) -> None:
    """Raise KeyRefused unless the configured keys can read what is stored: every key id of
    the encrypted values (all of them) and of the first `files` files is configured, and no
    configured key was retired by a finished rotation."""
    try:
        ring = ring or keyring()
    except EncryptionError as exc:
        raise KeyRefused(str(exc)) from exc
    configured = {kid.hex() for kid in ring.ids}
    retired = RetiredKey.objects.filter(key_id__in=configured).first()
    if retired is not None:
        raise KeyRefused(
            _(
                "Key id %(kid)s was retired when the data was re-wrapped under key id "
                "%(new)s on %(date)s: it is refused. Configure PORTLINE_KEK with the current "
                "key and remove the retired one."
            )
            % {"kid": retired.key_id, "new": retired.replaced_by, "date": retired.retired_at.date()}
        )
    found = value_key_ids() + file_key_ids(files)
    missing = sorted(set(found) - configured - {"plaintext", "unreadable"})
    if missing:
        raise KeyRefused(
            _(
                "Stored data is encrypted under key id(s) %(missing)s, but PORTLINE_KEK is key "
                "id %(kid)s. Configure the key the data was encrypted with (a rotation in "
                "progress needs the old key in PORTLINE_KEK_PREVIOUS). Without it the data "
                "cannot be read."
            )
            % {"missing": ", ".join(missing), "kid": ring.current_id.hex()}
        )
    for kid in configured & set(found):  # the same id must also unwrap (not merely match)
        _unwrap_one(ring, kid)


def _unwrap_one(ring: KeyRing, kid: str) -> None:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for column in encrypted_columns():
            cursor.execute(
                f"SELECT {q(column.column)} FROM {q(column.table)} "  # noqa: S608 - names from models
                f"WHERE {q(column.column)} LIKE %s LIMIT 1",
                [f"{VALUE_PREFIX}{kid}$%"],
            )
            row = cursor.fetchone()
            if row:
                try:
                    value_decrypt(ring, row[0], column.context)
                except EncryptionError as exc:
                    raise KeyRefused(
                        _("The configured key id %(kid)s does not decrypt the stored data.")
                        % {"kid": kid}
                    ) from exc
                return
