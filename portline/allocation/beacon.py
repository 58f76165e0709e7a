"""Public randomness beacons: which future beacon value seeds a round, and checking it.

The round fixes its beacon target when it is frozen, so the value did not exist when the set
of requests was committed to. Portline never contacts a beacon (this network cannot reach
one): the administrator reads the value and enters it with `portline lottery beacon`.

drand mainnet ("default" chain, chained BLS on BLS12-381, one round every 30 s): the
randomness of round r is SHA-256(signature) and the signature is a BLS signature (G2) over
SHA-256(previous_signature || r as 8 bytes big-endian). When `py_ecc` is installed the
signature is checked against the chain's public key; otherwise the value is recorded as
unchecked. NIST beacon 2.0 pulses (one a minute) are signed with a certificate that cannot be
checked offline, so they are recorded as unchecked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

DRAND_CHAIN_HASH = "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce"
DRAND_PUBLIC_KEY = "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31"
DRAND_GENESIS = dt.datetime.fromtimestamp(1595431050, tz=dt.UTC)
DRAND_PERIOD_S = 30
# The beacon value must come from strictly after the freeze, with a margin for clock skew.
BEACON_MARGIN = dt.timedelta(minutes=2)

_HEX = re.compile(r"^[0-9a-f]+$")


def drand_round_at(at: dt.datetime) -> int:
    """The first drand round published at or after `at`."""
    elapsed = (at - DRAND_GENESIS).total_seconds()
    return max(1, int(-(-elapsed // DRAND_PERIOD_S)) + 1)


def drand_round_time(round_number: int) -> dt.datetime:
    return DRAND_GENESIS + dt.timedelta(seconds=(round_number - 1) * DRAND_PERIOD_S)


def beacon_target(source: str, frozen_at: dt.datetime) -> tuple[str, dt.datetime | None]:
    """(beacon round, when it is published) for a round frozen at `frozen_at`."""
    not_before = frozen_at + BEACON_MARGIN
    if source == "drand":
        number = drand_round_at(not_before)
        return str(number), drand_round_time(number)
    if source == "nist":
        pulse = (not_before + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
        return pulse.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), pulse
    return "local", None


def is_hex(value: str, length: int | None = None) -> bool:
    return bool(_HEX.match(value)) and (length is None or len(value) == length)


def drand_randomness(signature_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(signature_hex)).hexdigest()


def drand_message(round_number: int, previous_signature_hex: str) -> bytes:
    return hashlib.sha256(
        bytes.fromhex(previous_signature_hex) + round_number.to_bytes(8, "big")
    ).digest()


def bls_available() -> bool:
    try:
        import py_ecc.bls  # noqa: F401
    except ImportError:
        return False
    return True


def drand_signature_valid(
    *,
    round_number: int,
    signature_hex: str,
    previous_signature_hex: str,
    public_key_hex: str = DRAND_PUBLIC_KEY,
) -> bool:
    """Check a chained drand signature. Needs py_ecc (pure Python: a check takes seconds)."""
    from py_ecc.bls import G2Basic

    try:
        return bool(
            G2Basic.Verify(
                bytes.fromhex(public_key_hex),
                drand_message(round_number, previous_signature_hex),
                bytes.fromhex(signature_hex),
            )
        )
    except (ValueError, AssertionError):  # a malformed point is simply not a valid signature
        return False


def beacon_published_at(source: str, round_text: str) -> dt.datetime | None:
    """When a beacon round is published (None for a local value)."""
    if source == "drand":
        return drand_round_time(int(round_text))
    if source == "nist":
        return dt.datetime.strptime(round_text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return None
