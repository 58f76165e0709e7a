"""The canonical, pseudonymous export of a round and the hashes over it (docs/allocation.md).

Pure functions: the verifier (verifier/portline_verify.py) implements the same rules with
the standard library alone, and the tests check that both agree byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

EXPORT_FORMAT = "portline-round-export/1"
REQUESTS_HEADER = "request_hash,group_size,first_port,second_port,registered_on"
RESULTS_HEADER = "port,outcome,rank,request_hash,group_size,reserved"


def request_hash(salt: str, request_id: int) -> str:
    """The pseudonym of one request in one round: unlinkable across rounds without the salt."""
    return hashlib.sha256(f"portline-request/1|{salt}|{request_id}".encode("ascii")).hexdigest()


def request_digests(salt: str, request_ids: list[int]) -> list[bytes]:
    """`request_hash` for many requests at once, as raw digests (same values, faster)."""
    sha = hashlib.sha256
    prefix = f"portline-request/1|{salt}|".encode("ascii")
    return [sha(prefix + b"%d" % rid).digest() for rid in request_ids]


def request_line(hash_hex: str, group_size: int, first_port: str, second_port: str | None, registered_on: dt.date) -> str:
    return f"{hash_hex},{group_size},{first_port},{second_port or ''},{registered_on.isoformat()}"


def merkle_root(lines: Iterable[str]) -> str:
    """Leaves: SHA-256(0x00 || line); nodes: SHA-256(0x01 || left || right); an unpaired last
    node moves up a level unchanged; the root of no lines is SHA-256 of nothing."""
    sha = hashlib.sha256
    level = [sha(b"\x00" + line.encode("utf-8")).digest() for line in lines]
    if not level:
        return sha(b"").hexdigest()
    while len(level) > 1:
        paired = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def parameters_text(
    *, round_date: dt.date, service_date: dt.date, capacities: dict[str, int], reserved_percent: int,
    standby_percent: int, fingerprint: str, engine_version: str,
) -> str:
    ports = ";".join(f"{code}:{int(capacities[code])}" for code in sorted(capacities))
    return (
        f"format={EXPORT_FORMAT}\n"
        f"round_date={round_date.isoformat()}\n"
        f"service_date={service_date.isoformat()}\n"
        f"ports={ports}\n"
        f"reserved_percent={reserved_percent}\n"
        f"standby_percent={standby_percent}\n"
        f"fingerprint={fingerprint}\n"
        f"engine_version={engine_version}\n"
    )


def input_digest(parameters: str) -> str:
    return hashlib.sha256(parameters.encode("ascii")).hexdigest()


def seed_from(input_digest_hex: str, beacon_value: str) -> str:
    """The seed: binds the frozen input (through its digest) to the beacon value."""
    return hashlib.sha256(f"portline-seed/1|{input_digest_hex}|{beacon_value.lower()}".encode("ascii")).hexdigest()


def result_lines(rows: Sequence[tuple[str, str, int, str, int, bool]]) -> list[str]:
    """Rows (port, outcome, rank, request_hash, group_size, reserved) in canonical order:
    by port code, then selected before standby, then rank."""
    outcome_order = {"selected": 0, "standby": 1}
    ordered = sorted(rows, key=lambda r: (r[0], outcome_order[r[1]], r[2]))
    return [f"{p},{o},{rank},{h},{g},{1 if res else 0}" for p, o, rank, h, g, res in ordered]


def result_digest(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("ascii") + b"\n")
    return digest.hexdigest()
