#!/usr/bin/env python3
"""Check Portline audit proofs with nothing but the Python standard library.

    python portline_audit_verify.py inclusion PROOF.json [--public-key KEY]
    python portline_audit_verify.py consistency PROOF.json [--public-key KEY]
    python portline_audit_verify.py root DAY.json --public-key KEY

PROOF.json comes from `portline audit proof EVENT_ID` or `portline audit consistency DAY1
DAY2`; DAY.json is a signed day root (/audit/roots/DAY.json). KEY is the log's Ed25519 public
key (base64) as published on /audit/ -- fetch it yourself; a key read from the same file as
the proof proves nothing. Hashing is RFC 6962 (SHA-256, leaf prefix 0x00, node prefix 0x01);
signatures are Ed25519 (RFC 8032), checked by the small pure-Python code below.
Exit status 0: everything checked holds; 1: something does not; 2: unreadable input.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys

# RFC 6962 --------------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def verify_inclusion(leaf, index, size, proof, root) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == root


def verify_consistency(first, second, first_root, second_root, proof) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if first < 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# Ed25519 verification (RFC 8032 section 5.1.7) --------------------------------------------

_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a, b):
    x = (a[1] - a[0]) * (b[1] - b[0]) % _P
    y = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(scalar, point):
    result = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(data: bytes):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def _same(a, b) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decompress(public), _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _Q
    return _same(_mul(s, _G), _add(r, _mul(h, a)))


# Portline's files ------------------------------------------------------------------------


class Checks:
    def __init__(self) -> None:
        self.failed = False

    def check(self, ok: bool, what: str) -> bool:
        sys.stdout.write(("VERIFIED " if ok else "FAILED ") + what + "\n")
        self.failed |= not ok
        return ok

    def note(self, text: str) -> None:
        sys.stdout.write("NOTE " + text + "\n")


def _statement_text(statement: dict) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":")).encode("ascii")


def check_signed(checks: Checks, signed: dict | None, public_key: str | None, **expect) -> None:
    """A signed day statement: its fields agree with `expect`, and its signature holds."""
    if signed is None:
        checks.note("this day's root is not published yet: checked against the root in the file")
        return
    statement = signed["statement"]
    for name, value in expect.items():
        checks.check(
            statement.get(name) == value,
            f"signed statement for {statement.get('day')}: {name} is {value}",
        )
    key = public_key
    if key is None:
        key = signed.get("public_key", "")
        checks.note("no --public-key given: using the key inside the file (compare it yourself)")
    try:
        ok = ed25519_verify(
            base64.b64decode(key), _statement_text(statement), base64.b64decode(signed["signature"])
        )
    except ValueError:
        ok = False
    checks.check(ok, f"Ed25519 signature of the statement for {statement.get('day')}")


def check_inclusion(proof: dict, public_key: str | None) -> Checks:
    checks = Checks()
    entry = proof["event"]["entry"].encode("ascii")
    event = json.loads(entry)
    checks.check(
        event.get("seq") == proof["event"]["seq"], f"the entry is event seq {event.get('seq')}"
    )
    root = bytes.fromhex(proof["root"])
    path = [bytes.fromhex(node) for node in proof["path"]]
    checks.check(
        verify_inclusion(leaf_hash(entry), proof["leaf_index"], proof["tree_size"], path, root),
        f"event seq {event.get('seq')} is leaf {proof['leaf_index']} of the {proof['tree_size']}"
        f"-event tree of {proof['day']} with root {proof['root']}",
    )
    checks.check(
        event.get("at", "")[:10] == proof["day"], f"the event was written on {proof['day']}"
    )
    check_signed(
        checks,
        proof.get("signed"),
        public_key,
        day=proof["day"],
        day_root=proof["root"],
        count=proof["tree_size"],
    )
    return checks


def check_consistency(proof: dict, public_key: str | None) -> Checks:
    checks = Checks()
    first, second = proof["first"], proof["second"]
    nodes = [bytes.fromhex(node) for node in proof["proof"]]
    checks.check(
        verify_consistency(
            first["tree_size"],
            second["tree_size"],
            bytes.fromhex(first["tree_root"]),
            bytes.fromhex(second["tree_root"]),
            nodes,
        ),
        f"the log of {first['tree_size']} events at the end of {first['day']} is a prefix of "
        f"the log of {second['tree_size']} events at the end of {second['day']}",
    )
    for side in (first, second):
        check_signed(
            checks,
            side.get("signed"),
            public_key,
            day=side["day"],
            tree_size=side["tree_size"],
            tree_root=side["tree_root"],
        )
    return checks


def check_root(document: dict, public_key: str | None) -> Checks:
    checks = Checks()
    check_signed(checks, document, public_key)
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["inclusion", "consistency", "root"])
    parser.add_argument("file", help="the proof or signed root (JSON); - for standard input")
    parser.add_argument("--public-key", help="the log's Ed25519 public key, base64")
    args = parser.parse_args(argv)
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
        document = json.loads(text)
        run = {"inclusion": check_inclusion, "consistency": check_consistency, "root": check_root}
        checks = run[args.kind](document, args.public_key)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        sys.stdout.write(f"UNREADABLE {args.file}: {exc}\n")
        return 2
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
