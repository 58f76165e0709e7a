"""Envelope encryption at rest (docs/encryption.md).

Every stored file and every encrypted database value has its own random 256-bit data key
(AES-256-GCM). The data key is stored beside the data, wrapped (AES-256-GCM) by the
key-encryption key (KEK) from `PORTLINE_KEK`, together with the KEK's key id. A copy of the
disk or of a backup holds ciphertext and wrapped keys only; without the KEK nothing can be
read. Rotating the KEK re-wraps data keys and never touches the bodies.

Files are cut into segments of 64 KiB, each sealed on its own with a nonce made of a random
per-file prefix and the segment's index; the last segment is marked in its associated data,
so a truncated, reordered or spliced file fails to decrypt. Reading keeps one segment in
memory whatever the size of the file and can seek.

This module imports nothing from Django at module level: settings use `kek_parse`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import os
import secrets
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_BYTES = 8
WRAPPED_BYTES = KEY_BYTES + TAG_BYTES

# File layout: fixed header, then segments of (SEGMENT_BYTES plaintext + tag).
FILE_MAGIC = b"PLENC\x01\x00\x00"
SEGMENT_BYTES = 64 * 1024
_HEADER = struct.Struct(f">8s{KEY_ID_BYTES}s{NONCE_BYTES}s{WRAPPED_BYTES}s4sI")
HEADER_BYTES = 96  # _HEADER.size (84) padded; the padding is zero and reserved
KEY_SLOT = slice(8, 8 + KEY_ID_BYTES + NONCE_BYTES + WRAPPED_BYTES)  # what rotation rewrites

# Database values: "pl1$<key id hex>$<base64: wrap nonce, wrapped key, nonce, ciphertext>".
VALUE_PREFIX = "pl1$"
VALUE_KEY_ID = slice(len(VALUE_PREFIX), len(VALUE_PREFIX) + 2 * KEY_ID_BYTES)


class EncryptionError(Exception):
    """Base of the errors below; messages name keys by id, never hold data."""


class KeyConfigurationError(EncryptionError):
    """A key-encryption key is missing or malformed."""


class KeyUnavailable(EncryptionError):
    """Data was wrapped by a key-encryption key that is not configured."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"data is wrapped by key id {key_id}, which is not configured "
            "(PORTLINE_KEK / PORTLINE_KEK_PREVIOUS)"
        )
        self.key_id = key_id


class DecryptionFailed(EncryptionError):
    """Authentication failed: wrong key or altered data."""


def kek_parse(raw: str, name: str = "PORTLINE_KEK") -> bytes:
    """A key-encryption key as configured: 32 bytes in base64 (standard or URL-safe)."""
    text = raw.strip()
    try:
        key = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyConfigurationError(
            f"{name} must be 32 random bytes in base64 (44 characters); "
            "create one with `portline keys generate`."
        )
    return key


def kek_generate() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def key_id(kek: bytes) -> bytes:
    """A public name for a key-encryption key (derived from it; reveals nothing of it)."""
    return hmac.new(kek, b"portline key id", hashlib.sha256).digest()[:KEY_ID_BYTES]


@dataclass(frozen=True)
class KeyRing:
    """The current key-encryption key (wraps every new data key) and, during a rotation,
    the previous ones (unwrap only)."""

    current: bytes
    previous: tuple[bytes, ...] = ()
    _by_id: dict[bytes, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for kek in (self.current, *self.previous):
            self._by_id[key_id(kek)] = AESGCM(kek)

    @property
    def current_id(self) -> bytes:
        return key_id(self.current)

    @property
    def ids(self) -> set[bytes]:
        return set(self._by_id)

    def wrap(self, data_key: bytes) -> tuple[bytes, bytes, bytes]:
        kid = self.current_id
        nonce = os.urandom(NONCE_BYTES)
        return kid, nonce, self._by_id[kid].encrypt(nonce, data_key, b"portline dek " + kid)

    def unwrap(self, kid: bytes, nonce: bytes, wrapped: bytes) -> bytes:
        aead = self._by_id.get(kid)
        if aead is None:
            raise KeyUnavailable(kid.hex())
        try:
            return aead.decrypt(nonce, wrapped, b"portline dek " + kid)
        except InvalidTag as exc:
            raise DecryptionFailed(f"data key wrapped by key id {kid.hex()} is altered") from exc

    def rewrap(self, kid: bytes, nonce: bytes, wrapped: bytes) -> tuple[bytes, bytes, bytes]:
        return self.wrap(self.unwrap(kid, nonce, wrapped))


# --- database values ---------------------------------------------------------------------


def value_encrypt(ring: KeyRing, plaintext: str, context: bytes) -> str:
    data_key = AESGCM.generate_key(bit_length=256)
    kid, wrap_nonce, wrapped = ring.wrap(data_key)
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), context)
    blob = base64.urlsafe_b64encode(wrap_nonce + wrapped + nonce + body).decode("ascii")
    return f"{VALUE_PREFIX}{kid.hex()}${blob}"


def is_encrypted_value(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(VALUE_PREFIX)  # type: ignore[union-attr]


def _value_parts(stored: str) -> tuple[bytes, bytes, bytes, bytes]:
    try:
        kid_hex, blob = stored[len(VALUE_PREFIX) :].split("$", 1)
        kid = bytes.fromhex(kid_hex)
        raw = base64.urlsafe_b64decode(blob)
    except (ValueError, binascii.Error) as exc:
        raise DecryptionFailed("malformed encrypted value") from exc
    if len(kid) != KEY_ID_BYTES or len(raw) < NONCE_BYTES + WRAPPED_BYTES + NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed("malformed encrypted value")
    return kid, raw[:NONCE_BYTES], raw[NONCE_BYTES : NONCE_BYTES + WRAPPED_BYTES], raw


def value_decrypt(ring: KeyRing, stored: str, context: bytes) -> str:
    kid, wrap_nonce, wrapped, raw = _value_parts(stored)
    data_key = ring.unwrap(kid, wrap_nonce, wrapped)
    start = NONCE_BYTES + WRAPPED_BYTES
    try:
        plain = AESGCM(data_key).decrypt(
            raw[start : start + NONCE_BYTES], raw[start + NONCE_BYTES :], context
        )
    except InvalidTag as exc:
        raise DecryptionFailed("encrypted value is altered or belongs elsewhere") from exc
    return plain.decode("utf-8")


def value_key_id(stored: str) -> bytes:
    return _value_parts(stored)[0]


def value_rewrap(ring: KeyRing, stored: str) -> str:
    """The same ciphertext with its data key wrapped by the current KEK."""
    kid, wrap_nonce, wrapped, raw = _value_parts(stored)
    new_kid, new_nonce, new_wrapped = ring.rewrap(kid, wrap_nonce, wrapped)
    blob = base64.urlsafe_b64encode(
        new_nonce + new_wrapped + raw[NONCE_BYTES + WRAPPED_BYTES :]
    ).decode("ascii")
    return f"{VALUE_PREFIX}{new_kid.hex()}${blob}"


# --- files -------------------------------------------------------------------------------


def _segment_aad(header_fixed: bytes, index: int, final: bool) -> bytes:
    return header_fixed + struct.pack(">QB", index, 1 if final else 0)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">Q", index)


def _pieces(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Pieces of exactly `size` bytes, the last one shorter (empty only for empty input);
    chunks that already have that size pass through without a copy."""
    buffer = bytearray()
    any_piece = False
    for chunk in chunks:
        if not buffer and len(chunk) == size:
            any_piece = True
            yield chunk
            continue
        buffer += chunk
        while len(buffer) >= size:
            any_piece = True
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer or not any_piece:
        yield bytes(buffer)


def encrypt_chunks(ring: KeyRing, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The encrypted file for a stream of plaintext chunks: header, then sealed segments.
    Holds at most two segments in memory."""
    data_key = AESGCM.generate_key(bit_length=256)
    aead = AESGCM(data_key)
    kid, wrap_nonce, wrapped = ring.wrap(data_key)
    prefix = os.urandom(4)
    header = _HEADER.pack(FILE_MAGIC, kid, wrap_nonce, wrapped, prefix, SEGMENT_BYTES)
    yield header.ljust(HEADER_BYTES, b"\0")
    fixed = FILE_MAGIC + prefix + struct.pack(">I", SEGMENT_BYTES)
    index = 0
    pending: bytes | None = None
    # Seal a segment only once the next one exists, so the last one is marked final.
    for piece in _pieces(chunks, SEGMENT_BYTES):
        if pending is not None:
            yield aead.encrypt(_nonce(prefix, index), pending, _segment_aad(fixed, index, False))
            index += 1
        pending = piece
    yield aead.encrypt(_nonce(prefix, index), pending or b"", _segment_aad(fixed, index, True))


def encrypt_bytes(ring: KeyRing, data: bytes) -> bytes:
    return b"".join(
        encrypt_chunks(
            ring, (data[i : i + SEGMENT_BYTES] for i in range(0, len(data), SEGMENT_BYTES))
        )
    )


@dataclass(frozen=True)
class FileHeader:
    kid: bytes
    wrap_nonce: bytes
    wrapped: bytes
    prefix: bytes
    segment_bytes: int

    @classmethod
    def parse(cls, raw: bytes) -> FileHeader | None:
        """None for a file without the header (stored before encryption was introduced)."""
        if len(raw) < HEADER_BYTES or not raw.startswith(FILE_MAGIC):
            return None
        _magic, kid, wrap_nonce, wrapped, prefix, segment = _HEADER.unpack(raw[: _HEADER.size])
        if segment <= 0 or segment > 16 * 1024 * 1024:
            raise DecryptionFailed("malformed encrypted file header")
        return cls(kid, wrap_nonce, wrapped, prefix, segment)

    @property
    def fixed(self) -> bytes:
        return FILE_MAGIC + self.prefix + struct.pack(">I", self.segment_bytes)


def file_header_read(handle: BinaryIO) -> FileHeader | None:
    handle.seek(0)
    return FileHeader.parse(handle.read(HEADER_BYTES))


def file_rewrap(ring: KeyRing, path: str | os.PathLike[str]) -> bool:
    """Re-wrap one file's data key under the current KEK, in place: one write of the key
    slot (84 bytes at the start of the file, inside one disk sector), so an interruption
    leaves the file under the old key or the new one, never unreadable. False when the file
    is already under the current key."""
    with open(path, "r+b") as handle:
        header = FileHeader.parse(handle.read(HEADER_BYTES))
        if header is None:
            raise DecryptionFailed("file is not encrypted")
        if header.kid == ring.current_id:
            return False
        kid, nonce, wrapped = ring.rewrap(header.kid, header.wrap_nonce, header.wrapped)
        os.pwrite(handle.fileno(), kid + nonce + wrapped, KEY_SLOT.start)
    return True


class DecryptingReader(io.RawIOBase):
    """A read-only, seekable view of the plaintext of an encrypted file: one segment in
    memory at a time."""

    def __init__(self, ring: KeyRing, handle: BinaryIO, header: FileHeader) -> None:
        super().__init__()
        self._handle = handle
        self._header = header
        self._aead = AESGCM(ring.unwrap(header.kid, header.wrap_nonce, header.wrapped))
        self._sealed = header.segment_bytes + TAG_BYTES
        handle.seek(0, io.SEEK_END)
        body = handle.tell() - HEADER_BYTES
        self._segments = max(1, -(-body // self._sealed))
        self.size = body - self._segments * TAG_BYTES
        if self.size < 0:
            raise DecryptionFailed("encrypted file is truncated")
        self._position = 0
        self._cached_index = -1
        self._cached = b""
        self.name = getattr(handle, "name", "")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _segment(self, index: int) -> bytes:
        if index != self._cached_index:
            self._handle.seek(HEADER_BYTES + index * self._sealed)
            sealed = self._handle.read(self._sealed)
            final = index == self._segments - 1
            try:
                self._cached = self._aead.decrypt(
                    _nonce(self._header.prefix, index),
                    sealed,
                    _segment_aad(self._header.fixed, index, final),
                )
            except InvalidTag as exc:
                raise DecryptionFailed("encrypted file is altered or truncated") from exc
            self._cached_index = index
        return self._cached

    def readinto(self, buffer: Any) -> int:  # io's writable buffer (bytearray, memoryview)
        if self._position >= self.size:
            return 0
        index, offset = divmod(self._position, self._header.segment_bytes)
        segment = self._segment(index)
        piece = segment[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)

    def readall(self) -> bytes:
        parts = []
        while self._position < self.size:
            index, offset = divmod(self._position, self._header.segment_bytes)
            piece = self._segment(index)[offset:]
            parts.append(piece)
            self._position += len(piece)
        return b"".join(parts)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        position = self._position
        if position >= self.size:
            return b""
        index, offset = divmod(position, self._header.segment_bytes)
        segment = self._segment(index)
        if offset + size <= len(segment):  # the usual case: one slice of the cached segment
            self._position = position + size
            return segment[offset : offset + size]
        out = bytearray(min(size, max(0, self.size - self._position)))
        view = memoryview(out)
        filled = 0
        while filled < len(out):
            got = self.readinto(view[filled:])
            if not got:
                break
            filled += got
        return bytes(out[:filled])

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()


def decrypt_bytes(ring: KeyRing, data: bytes) -> bytes:
    header = FileHeader.parse(data[:HEADER_BYTES])
    if header is None:
        raise DecryptionFailed("not an encrypted file")
    return DecryptingReader(ring, io.BytesIO(data), header).read()


# --- the configured key ring -------------------------------------------------------------

_cache: dict[tuple[str, tuple[str, ...]], KeyRing] = {}


def keyring() -> KeyRing:
    """The key ring of the settings (`KEK`, `KEK_PREVIOUS`), built once per configuration."""
    from django.conf import settings

    current = settings.KEK
    previous = tuple(settings.KEK_PREVIOUS)
    ring = _cache.get((current, previous))
    if ring is None:
        if not current:
            raise KeyConfigurationError("PORTLINE_KEK is not set: encrypted data cannot be read.")
        ring = KeyRing(
            kek_parse(current),
            tuple(kek_parse(p, "PORTLINE_KEK_PREVIOUS") for p in previous),
        )
        _cache[(current, previous)] = ring
    return ring
