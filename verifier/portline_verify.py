#!/usr/bin/env python3
"""Check a Portline allocation round from its public export, with Python's standard library only.

    python3 portline_verify.py EXPORT_DIR [--beacon VALUE] [--fingerprint HEX]

EXPORT_DIR is what `portline lottery export ROUND DIR` wrote (round.json, requests.csv,
results.csv). The script recomputes the fingerprint of the requests, the input digest, the
seed from the beacon value, and the whole allocation, then prints MATCH, or the first
difference and exits with status 1. Give --beacon with the value you fetched from the beacon
yourself, and --fingerprint with the value published before the draw, to check those too.

It implements docs/allocation.md from the text, independently of Portline's own engine.
No network access, no third-party packages; Python 3.9 or later.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import struct
import sys
from pathlib import Path

EXPORT_FORMAT = "portline-round-export/1"
ENGINE_VERSION = "1"
REQUESTS_HEADER = "request_hash,group_size,first_port,second_port,registered_on"
RESULTS_HEADER = "port,outcome,rank,request_hash,group_size,reserved"


class Difference(Exception):
    """The first place where the export and the recomputation disagree."""


def requests_fingerprint(lines):
    """SHA-256 of the data lines of requests.csv, each followed by a newline."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def parameters_text(meta):
    ports = ";".join(
        f"{p['code']}:{int(p['capacity'])}" for p in sorted(meta["ports"], key=lambda p: p["code"])
    )
    return (
        f"format={EXPORT_FORMAT}\n"
        f"round_date={meta['round_date']}\n"
        f"service_date={meta['service_date']}\n"
        f"ports={ports}\n"
        f"reserved_percent={int(meta['reserved_percent'])}\n"
        f"standby_percent={int(meta['standby_percent'])}\n"
        f"fingerprint={meta['fingerprint']}\n"
        f"engine_version={meta['engine_version']}\n"
    )


def read_lines(path, header):
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    if text and not text.endswith("\n"):
        raise Difference(f"{path.name}: the last line does not end with a newline")
    lines = text.split("\n")[:-1] if text else []
    if not lines or lines[0] != header:
        raise Difference(f"{path.name}: first line should be {header!r}")
    return lines[1:]


def parse_requests(lines, codes):
    index = {code: i for i, code in enumerate(codes)}
    hashes, sizes, first, second, day = [], [], [], [], []
    previous = ""
    for number, line in enumerate(lines, start=2):
        fields = line.split(",")
        if len(fields) != 5:
            raise Difference(f"requests.csv line {number}: expected 5 fields, found {len(fields)}")
        h, g, f, s, d = fields
        if len(h) != 64 or h.lower() != h or h <= previous:
            raise Difference(
                f"requests.csv line {number}: request hashes must be 64 lower-case hex digits in strictly ascending order"
            )
        previous = h
        if f not in index or (s and s not in index) or s == f:
            raise Difference(f"requests.csv line {number}: unknown or repeated port")
        size = int(g)
        if size < 1 or str(size) != g:
            raise Difference(f"requests.csv line {number}: group size must be a positive integer")
        hashes.append(h)
        sizes.append(size)
        first.append(index[f])
        second.append(index[s] if s else -1)
        day.append(dt.date.fromisoformat(d).toordinal())
    return hashes, sizes, first, second, day


def fill(candidates, sizes, taken, places):
    """Take, in order, each untaken candidate whose group fits the places left; skip others."""
    chosen = []
    if places <= 0:
        return chosen, 0
    for i in candidates:
        if taken[i]:
            continue
        if sizes[i] <= places:
            chosen.append(i)
            taken[i] = True
            places -= sizes[i]
            if places == 0:
                break
    return chosen, places


def allocate(seed, capacities, reserved_percent, standby_percent, sizes, first, second, day):
    n = len(sizes)
    stream = hashlib.shake_256(b"portline-order/1" + seed).digest(8 * n)
    keys = struct.unpack(f">{n}Q", stream)
    order = sorted(range(n), key=keys.__getitem__)  # stable: equal keys keep position order
    ports = len(capacities)
    first_in_order = [[] for _ in range(ports)]
    second_in_order = [[] for _ in range(ports)]
    for i in order:
        first_in_order[first[i]].append(i)
        if second[i] >= 0:
            second_in_order[second[i]].append(i)
    taken = [False] * n
    selected = [[] for _ in range(ports)]
    reserved = [set() for _ in range(ports)]
    left = [0] * ports
    for p, capacity in enumerate(capacities):
        share = capacity * reserved_percent // 100
        by_wait = (
            sorted((i for i in range(n) if first[i] == p), key=lambda i: (day[i], keys[i], i))
            if share
            else []
        )
        won, _ = fill(by_wait, sizes, taken, share)
        selected[p].extend(won)
        reserved[p].update(won)
        places = capacity - sum(sizes[i] for i in won)
        won, left[p] = fill(first_in_order[p], sizes, taken, places)
        selected[p].extend(won)
    for p in range(ports):
        if left[p] > 0:
            won, _ = fill(second_in_order[p], sizes, taken, left[p])
            selected[p].extend(won)
    standby = []
    for p, capacity in enumerate(capacities):
        target = capacity * standby_percent // 100
        listed, people = [], 0
        for i in first_in_order[p]:
            if people >= target:
                break
            if not taken[i]:
                listed.append(i)
                people += sizes[i]
        standby.append(listed)
    return selected, reserved, standby


def verify(directory, beacon=None, fingerprint=None):
    directory = Path(directory)
    meta = json.loads((directory / "round.json").read_text(encoding="utf-8"))
    if meta.get("format") != EXPORT_FORMAT:
        raise Difference(
            f"round.json: format {meta.get('format')!r}, this verifier reads {EXPORT_FORMAT!r}"
        )
    if meta.get("engine_version") != ENGINE_VERSION:
        raise Difference(
            f"round.json: engine version {meta.get('engine_version')!r}, this verifier implements {ENGINE_VERSION!r}"
        )
    codes = sorted(p["code"] for p in meta["ports"])
    capacity_of = {p["code"]: int(p["capacity"]) for p in meta["ports"]}
    lines = read_lines(directory / "requests.csv", REQUESTS_HEADER)
    computed = requests_fingerprint(lines)
    if fingerprint is not None and fingerprint.lower() != meta["fingerprint"]:
        raise Difference(
            f"fingerprint: published {fingerprint.lower()}, round.json says {meta['fingerprint']}"
        )
    if computed != meta["fingerprint"]:
        raise Difference(
            f"fingerprint: round.json says {meta['fingerprint']}, requests.csv gives {computed}"
        )
    if len(lines) != int(meta["request_count"]):
        raise Difference(
            f"request count: round.json says {meta['request_count']}, requests.csv has {len(lines)}"
        )
    digest = hashlib.sha256(parameters_text(meta).encode("ascii")).hexdigest()
    if digest != meta["input_digest"]:
        raise Difference(
            f"input digest: round.json says {meta['input_digest']}, recomputed {digest}"
        )
    value = (beacon or meta["beacon"]["value"]).strip().lower()
    if value != meta["beacon"]["value"]:
        raise Difference(
            f"beacon value: you gave {value}, round.json says {meta['beacon']['value']}"
        )
    signature = meta["beacon"].get("signature") or ""
    if signature and hashlib.sha256(bytes.fromhex(signature)).hexdigest() != value:
        raise Difference("beacon value: it is not SHA-256 of the drand signature in round.json")
    seed = hashlib.sha256(f"portline-seed/1|{digest}|{value}".encode("ascii")).hexdigest()
    if seed != meta["seed"]:
        raise Difference(f"seed: round.json says {meta['seed']}, recomputed {seed}")

    hashes, sizes, first, second, day = parse_requests(lines, codes)
    selected, reserved, standby = allocate(
        bytes.fromhex(seed),
        [capacity_of[c] for c in codes],
        int(meta["reserved_percent"]),
        int(meta["standby_percent"]),
        sizes,
        first,
        second,
        day,
    )
    expected = []
    for p, code in enumerate(codes):
        for rank, i in enumerate(selected[p], start=1):
            expected.append(
                f"{code},selected,{rank},{hashes[i]},{sizes[i]},{1 if i in reserved[p] else 0}"
            )
        for rank, i in enumerate(standby[p], start=1):
            expected.append(f"{code},standby,{rank},{hashes[i]},{sizes[i]},0")
    found = read_lines(directory / "results.csv", RESULTS_HEADER)
    for number, (want, have) in enumerate(zip(expected, found), start=2):  # noqa: B905 - runs on Python 3.9 too (no strict=)
        if want != have:
            raise Difference(f"results.csv line {number}: expected {want!r}, found {have!r}")
    if len(expected) != len(found):
        number = min(len(expected), len(found)) + 2
        if len(expected) > len(found):
            raise Difference(
                f"results.csv line {number}: expected {expected[len(found)]!r}, found the end of the file"
            )
        raise Difference(
            f"results.csv line {number}: expected the end of the file, found {found[len(expected)]!r}"
        )
    result = hashlib.sha256("".join(line + "\n" for line in expected).encode("ascii")).hexdigest()
    if result != meta["result_digest"]:
        raise Difference(
            f"result digest: round.json says {meta['result_digest']}, recomputed {result}"
        )
    return meta


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Recompute a Portline allocation round from its public export."
    )
    parser.add_argument("directory", help="folder written by `portline lottery export`")
    parser.add_argument("--beacon", help="the beacon value as you fetched it yourself (hex)")
    parser.add_argument("--fingerprint", help="the fingerprint published before the draw (hex)")
    args = parser.parse_args(argv)
    try:
        meta = verify(args.directory, beacon=args.beacon, fingerprint=args.fingerprint)
    except Difference as difference:
        sys.stdout.write(f"DIFFERENCE {difference}\n")
        return 1
    except (OSError, ValueError, KeyError) as problem:
        sys.stdout.write(f"ERROR cannot read the export: {problem!r}\n")
        return 2
    local = (
        " (local/demo beacon value: not a public beacon)"
        if meta["beacon"]["source"] == "local"
        else ""
    )
    sys.stdout.write(
        f"MATCH round {meta['round_date']}: {meta['request_count']} requests, result digest {meta['result_digest']}{local}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
