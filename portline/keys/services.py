"""Writes of encryption at rest: re-wrapping data keys under a new key-encryption key
(`portline keys rotate`) and sealing data stored before encryption (`portline keys encrypt`).

Both work in small batches, each committed on its own, and skip what is already done, so an
interrupted run is resumed by running it again; at no moment is a value or file unreadable
with the configured keys. Neither ever re-encrypts a body: rotation rewrites wrapped data keys
only.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.conf import settings
from django.db import connection, transaction

from portline.audit.services import audit_record
from portline.common.encryption import (
    FILE_MAGIC,
    HEADER_BYTES,
    SEGMENT_BYTES,
    VALUE_PREFIX,
    EncryptionError,
    FileHeader,
    KeyRing,
    encrypt_chunks,
    file_rewrap,
    key_id,
    keyring,
    value_encrypt,
    value_rewrap,
)
from portline.keys.models import RetiredKey


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    pk: str
    column: str
    context: bytes


def encrypted_columns(registry: Apps | Any = django_apps) -> list[EncryptedColumn]:
    """Every encrypted database column of the installed models (or of a migration's state)."""
    found = []
    for model in registry.get_models():
        for f in model._meta.concrete_fields:
            if getattr(f, "encrypted", False):
                found.append(
                    EncryptedColumn(
                        model._meta.db_table,
                        model._meta.pk.column,
                        f.column,
                        f"{model._meta.label_lower}.{f.name}".encode(),
                    )
                )
    return found


def private_files(root: Path | None = None) -> Iterator[Path]:
    """Every stored file under the private storage folder, in a stable order."""
    base = Path(root or settings.MEDIA_ROOT)
    if not base.exists():
        return
    for folder, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(files):
            if not name.startswith(".portline-tmp-"):
                yield Path(folder) / name


def _is_encrypted_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(FILE_MAGIC)) == FILE_MAGIC


@dataclass
class KeysRunResult:
    values: int = 0
    files: int = 0
    skipped_files: list[str] = field(default_factory=list)  # names only, never contents
    remaining: int = 0
    finished: bool = False
    retired: list[str] = field(default_factory=list)


def _rows(column: EncryptedColumn, where: str, params: list[Any], after: Any, batch: int) -> list:
    q = connection.ops.quote_name
    sql = (
        f"SELECT {q(column.pk)}, {q(column.column)} FROM {q(column.table)} "  # noqa: S608 - names from models
        f"WHERE {q(column.pk)} > %s AND {where} ORDER BY {q(column.pk)} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{col}", q(column.column)), [after, *params, batch])
        return list(cursor.fetchall())


def _swap(column: EncryptedColumn, updates: list[tuple[str, Any, str]]) -> int:
    """Compare-and-swap: a value changed by the application meanwhile is left alone (it was
    written under the current key already)."""
    q = connection.ops.quote_name
    sql = (
        f"UPDATE {q(column.table)} SET {q(column.column)} = %s "  # noqa: S608 - names from models
        f"WHERE {q(column.pk)} = %s AND {q(column.column)} = %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, updates)
    return len(updates)


def _under_old_key(ring: KeyRing) -> tuple[str, list[Any]]:
    return "{col} LIKE %s AND {col} NOT LIKE %s", [
        VALUE_PREFIX + "%",
        f"{VALUE_PREFIX}{ring.current_id.hex()}$%",
    ]


def values_rewrap(
    ring: KeyRing, columns: list[EncryptedColumn], *, batch: int, budget: list[int]
) -> int:
    done = 0
    where, params = _under_old_key(ring)
    for column in columns:
        after: Any = 0 if column.pk == "id" else ""
        while budget[0] > 0:
            rows = _rows(column, where, params, after, min(batch, budget[0]))
            if not rows:
                break
            done += _swap(column, [(value_rewrap(ring, stored), pk, stored) for pk, stored in rows])
            budget[0] -= len(rows)
            after = rows[-1][0]
    return done


def values_remaining(ring: KeyRing, columns: list[EncryptedColumn]) -> int:
    where, params = _under_old_key(ring)
    q = connection.ops.quote_name
    total = 0
    with connection.cursor() as cursor:
        for column in columns:
            cursor.execute(
                f"SELECT COUNT(*) FROM {q(column.table)} WHERE "  # noqa: S608 - names from models
                + where.replace("{col}", q(column.column)),
                params,
            )
            total += cursor.fetchone()[0]
    return total


def keys_rotate(
    *,
    actor: Any = None,
    batch: int = 1000,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> KeysRunResult:
    """Re-wrap every data key still under a previous key-encryption key with the current one
    (`PORTLINE_KEK`). With `limit`, stop after that many values and files (the next run goes
    on). When nothing is left under the previous keys, they are retired: refused from then on."""
    ring = keyring()
    result = KeysRunResult()
    budget = [limit if limit is not None else 1 << 62]
    columns = encrypted_columns()
    result.values = values_rewrap(ring, columns, batch=batch, budget=budget)
    if progress:
        progress(result.values)
    for path in private_files():
        if budget[0] <= 0:
            break
        try:
            changed = file_rewrap(ring, path)
        except FileNotFoundError:  # deleted meanwhile
            continue
        except EncryptionError:
            result.skipped_files.append(str(path.relative_to(settings.MEDIA_ROOT)))
            continue
        if changed:
            result.files += 1
            budget[0] -= 1
            if progress and result.files % batch == 0:
                progress(result.values + result.files)
    result.remaining = values_remaining(ring, columns) + sum(1 for _ in _files_under_old_key(ring))
    result.finished = result.remaining == 0 and not result.skipped_files
    with transaction.atomic():
        if result.finished:
            for kek in ring.previous:
                kid = key_id(kek).hex()
                RetiredKey.objects.get_or_create(
                    key_id=kid, defaults={"replaced_by": ring.current_id.hex()}
                )
                result.retired.append(kid)
        if result.values or result.files or result.retired:
            audit_record(
                actor=actor,
                action="keys.kek.rotate",
                data={
                    "key_id": ring.current_id.hex(),
                    "values": result.values,
                    "files": result.files,
                    "remaining": result.remaining,
                    "retired": result.retired,
                },
            )
    return result


def _files_under_old_key(ring: KeyRing) -> Iterator[Path]:
    for path in private_files():
        try:
            with path.open("rb") as handle:
                header = FileHeader.parse(handle.read(HEADER_BYTES))
        except FileNotFoundError:
            continue
        if header is not None and header.kid != ring.current_id:
            yield path


# --- data stored before encryption --------------------------------------------------------


def values_encrypt_plaintext(
    ring: KeyRing, columns: list[EncryptedColumn], *, batch: int = 1000
) -> int:
    done = 0
    for column in columns:
        after: Any = 0 if column.pk == "id" else ""
        while True:
            rows = _rows(column, "{col} NOT LIKE %s", [VALUE_PREFIX + "%"], after, batch)
            if not rows:
                break
            done += _swap(
                column,
                [
                    (value_encrypt(ring, stored, column.context), pk, stored)
                    for pk, stored in rows
                    if stored is not None
                ],
            )
            after = rows[-1][0]
    return done


def file_encrypt_in_place(ring: KeyRing, path: Path) -> bool:
    """Seal one plaintext file: written encrypted beside it, synced, then renamed over it
    (atomic), so an interruption leaves either the plaintext or the sealed file."""
    if _is_encrypted_file(path):
        return False
    descriptor, temporary = tempfile.mkstemp(prefix=".portline-tmp-", dir=path.parent)
    try:
        with path.open("rb") as source, os.fdopen(descriptor, "wb") as target:
            chunks = iter(lambda: source.read(SEGMENT_BYTES), b"")
            for sealed in encrypt_chunks(ring, chunks):
                target.write(sealed)
            target.flush()
            os.fsync(target.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def files_encrypt_plaintext(ring: KeyRing, root: Path | None = None) -> int:
    return sum(1 for path in private_files(root) if file_encrypt_in_place(ring, path))


def keys_encrypt(*, actor: Any = None, registry: Apps | Any = django_apps) -> KeysRunResult:
    """Encrypt every value and file still stored in plaintext (resumable; run by a migration
    and by `portline keys encrypt` after restoring an old backup)."""
    ring = keyring()
    result = KeysRunResult()
    result.values = values_encrypt_plaintext(ring, encrypted_columns(registry))
    result.files = files_encrypt_plaintext(ring)
    result.finished = True
    if registry is django_apps and (result.values or result.files):
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="keys.plaintext.encrypt",
                data={"values": result.values, "files": result.files},
            )
    return result
