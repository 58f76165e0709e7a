"""Model fields whose values are envelope-encrypted in the database (docs/encryption.md).

Reading the attribute gives the plaintext (decrypted on load), assigning and saving
encrypts: code that uses the model needs no change. The column holds
`pl1$<key id>$<base64>`: a random data key per value wrapped by the key-encryption key, and
the value sealed with AES-256-GCM bound to the model and field (a value copied into another
column does not decrypt). Encrypted columns cannot be searched or compared in SQL; where
matching is needed, compare keyed fingerprints (person linkage, integrity facts).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import FieldError
from django.db import models

from portline.common.encryption import is_encrypted_value, keyring, value_decrypt, value_encrypt


class SealedValue(str):
    """An already encrypted value, written to the column as it is (key rotation)."""


class _EncryptedMixin:
    model: type[models.Model]
    name: str
    max_length: int | None

    encrypted = True

    def context(self) -> bytes:
        return f"{self.model._meta.label_lower}.{self.name}".encode()

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not is_encrypted_value(value):
            return value  # NULL, or plaintext stored before encryption (`portline keys encrypt`)
        return value_decrypt(keyring(), value, self.context())

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        # Every way into the database (save, update(), bulk_update(), bulk_create()) passes
        # here; lookups, which would also, are refused below.
        if value is None or isinstance(value, SealedValue):
            return None if value is None else str(value)
        return value_encrypt(keyring(), str(value), self.context())

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.name} is encrypted in the database and cannot be searched with "
                f"'{lookup_name}'; compare a keyed fingerprint instead."
            )
        return super().get_lookup(lookup_name)  # type: ignore[misc]

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{self.name} is encrypted in the database: no '{lookup_name}'.")


class EncryptedTextField(_EncryptedMixin, models.TextField):
    """A text area whose value is encrypted in the database."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))


class EncryptedCharField(EncryptedTextField):
    """A one-line text input whose value is encrypted in the database (stored as text: the
    ciphertext is longer than `max_length`, which still bounds the plaintext)."""

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        return super().formfield(
            form_class=form_class,
            choices_form_class=choices_form_class,
            **{"widget": forms.TextInput, **kwargs},
        )
