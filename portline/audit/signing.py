"""Ed25519 signatures over published day roots (the `cryptography` package).

The key is `PORTLINE_AUDIT_SIGNING_KEY` (32-byte seed, base64). Without it, only demo mode
and the test suite sign, with a fixed, public demo key that proves nothing.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Not a secret: it signs demo and test data only (see docs/audit.md).
DEMO_SEED = hashlib.sha256(b"portline demo audit signing key: not a secret").digest()


def _seed() -> bytes:
    configured = settings.PORTLINE_AUDIT_SIGNING_KEY
    if configured:
        seed = base64.b64decode(configured, validate=True)
        if len(seed) != 32:
            raise ImproperlyConfigured("PORTLINE_AUDIT_SIGNING_KEY must be 32 bytes, base64.")
        return seed
    if settings.PORTLINE_AUDIT_DEMO_KEY:
        return DEMO_SEED
    raise ImproperlyConfigured(
        "PORTLINE_AUDIT_SIGNING_KEY is not set; audit roots cannot be signed."
    )


def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_seed())


def public_key_bytes() -> bytes:
    return private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_b64() -> str:
    return base64.b64encode(public_key_bytes()).decode("ascii")


def key_id() -> str:
    return hashlib.sha256(public_key_bytes()).hexdigest()[:16]


def sign(message: bytes) -> str:
    return base64.b64encode(private_key().sign(message)).decode("ascii")


def generate_seed() -> str:
    """A fresh key for `PORTLINE_AUDIT_SIGNING_KEY` (`portline audit keygen`)."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode("ascii")
