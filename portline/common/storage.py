"""The storage of evidence files and photos: envelope-encrypted on disk (docs/encryption.md).

Saving encrypts on the way in, opening decrypts on the way out, segment by segment, so every
caller keeps using `FieldFile.save` and `FieldFile.open` unchanged. A file stored before
encryption was introduced (no header) is still read as it is until `portline keys encrypt`
(or the migration that runs it) has encrypted it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage

from portline.common.encryption import (
    HEADER_BYTES,
    SEGMENT_BYTES,
    DecryptingReader,
    FileHeader,
    encrypt_chunks,
    keyring,
)


class _EncryptingContent(File):
    """What FileSystemStorage._save writes: the encrypted form of `content`'s chunks."""

    def __init__(self, content: File) -> None:
        super().__init__(None, getattr(content, "name", None))
        self._content = content

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return encrypt_chunks(keyring(), self._content.chunks(SEGMENT_BYTES))

    def close(self) -> None:
        pass


class DecryptedFile(File):
    """An opened stored file: plaintext reads, seekable, one segment in memory."""

    def __init__(self, storage: EncryptedFileSystemStorage, name: str) -> None:
        self._storage = storage
        super().__init__(storage._open_plain(name), name)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> DecryptedFile:
        if self.closed:
            self.file = self._storage._open_plain(self.name or "")
        else:
            self.seek(0)
        return self


class EncryptedFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: File) -> str:
        return super()._save(name, _EncryptingContent(content))  # type: ignore[misc]  # django-stubs omit FileSystemStorage._save

    def _open_plain(self, name: str) -> Any:
        handle = open(self.path(name), "rb")
        try:
            header = FileHeader.parse(handle.read(HEADER_BYTES))
            handle.seek(0)
            if header is None:
                return handle  # stored before encryption; `portline keys encrypt` seals it
            return DecryptingReader(keyring(), handle, header)
        except BaseException:
            handle.close()
            raise

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(flag in mode for flag in "wa+"):
            raise ValueError("encrypted files are written through save(), never opened for writing")
        return DecryptedFile(self, name)

    def size(self, name: str) -> int:
        with self._open(name) as opened:
            return opened.size
