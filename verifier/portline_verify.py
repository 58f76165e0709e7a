#!/usr/bin/env python3
"""Check a Portline allocation round from its public export, with Python's standard library only.

    python3 portline_verify.py EXPORT_DIR [--commitment HEX] [--beacon VALUE] [--fingerprint HEX]

EXPORT_DIR is what `portline lottery export ROUND DIR` wrote (round.json, requests.csv,
results.csv). The script checks that the files follow the specification, recomputes the
fingerprint of the requests, the commitment over every parameter (engine version 2), the seed
from the beacon value, and the whole allocation, then prints MATCH, or the first difference
and exits with status 1 (2 when the folder cannot be read). Give --commitment with the value
published when the round was frozen (engine version 2), --beacon with the value you fetched
from the beacon yourself, and --fingerprint with the fingerprint published before the draw.

It implements docs/allocation.md from the text, independently of Portline's own engine:
engine version 1 (rounds drawn before version 2 existed) and engine version 2.
No network access, no third-party packages; Python 3.9 or later.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import struct
import sys
from pathlib import Path

FORMATS = {"1": "portline-round-export/1", "2": "portline-round-export/2"}
REQUESTS_HEADER = "request_hash,group_size,first_port,second_port,registered_on"
RESULTS_HEADER = "port,outcome,rank,request_hash,group_size,reserved"
MAX_GROUP = 10
MAX_WEIGHT = 1000000
DRAND_GENESIS = 1595431050
DRAND_PERIOD = 30
UTC = dt.timezone.utc  # noqa: UP017 - dt.UTC needs Python 3.11; this runs on 3.9

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
CODE_RE = re.compile(r"^[A-Z0-9]{2,8}$")
SIZE_RE = re.compile(r"^(10|[1-9])$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
INT_RE = re.compile(r"^(0|[1-9][0-9]*)$")
BEACON_RE = re.compile(r"^[0-9a-f]{32,128}$")
TIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z$")


class Difference(Exception):
    """The first place where the export and the recomputation (or the specification) disagree."""


# --- reading the files ---------------------------------------------------------------------


def read_lines(path, header):
    """The data lines of a CSV file: UTF-8 (ASCII in practice), no BOM, `\\n` line ends, the
    last line ended too, the exact header first."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise Difference(f"{path.name}: starts with a byte-order mark")
    if b"\r" in data:
        raise Difference(f"{path.name}: lines must end with \\n alone")
    text = data.decode("ascii")
    if not text.endswith("\n"):
        raise Difference(f"{path.name}: the last line does not end with a newline")
    lines = text.split("\n")[:-1]
    if lines[0] != header:
        raise Difference(f"{path.name}: first line should be {header!r}")
    return lines[1:]


def parse_date(value, where):
    if not DATE_RE.match(value):
        raise Difference(f"{where}: {value!r} is not a YYYY-MM-DD date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Difference(f"{where}: {value!r} is not a valid date") from None


def parse_time(value, where):
    """A UTC time written YYYY-MM-DDTHH:MM:SS[.ffffff]Z, as a datetime."""
    if not isinstance(value, str) or not TIME_RE.match(value):
        raise Difference(f"{where}: {value!r} is not a UTC time YYYY-MM-DDTHH:MM:SS[.ffffff]Z")
    return dt.datetime.strptime(
        value, "%Y-%m-%dT%H:%M:%S.%fZ" if "." in value else "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=UTC)


def parse_requests(lines, codes):
    index = {code: i for i, code in enumerate(codes)}
    hashes, sizes, first, second, day = [], [], [], [], []
    previous = ""
    for number, line in enumerate(lines, start=2):
        fields = line.split(",")
        if len(fields) != 5:
            raise Difference(f"requests.csv line {number}: expected 5 fields, found {len(fields)}")
        h, g, f, s, d = fields
        if not HASH_RE.match(h) or h <= previous:
            raise Difference(
                f"requests.csv line {number}: request hashes must be 64 lower-case hex digits in strictly ascending order"
            )
        previous = h
        if not SIZE_RE.match(g):
            raise Difference(
                f"requests.csv line {number}: group size {g!r} is not an integer from 1 to 10"
            )
        if f not in index:
            raise Difference(f"requests.csv line {number}: first port {f!r} is not in the round")
        if s and s not in index:
            raise Difference(f"requests.csv line {number}: second port {s!r} is not in the round")
        if s == f:
            raise Difference(f"requests.csv line {number}: second port repeats the first")
        hashes.append(h)
        sizes.append(int(g))
        first.append(index[f])
        second.append(index[s] if s else -1)
        day.append(parse_date(d, f"requests.csv line {number}").toordinal())
    return hashes, sizes, first, second, day


def check_int(value, where, low=0, high=None):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise Difference(f"round.json: {where} must be an integer of at least {low}")
    if high is not None and value > high:
        raise Difference(f"round.json: {where} must be at most {high}")
    return value


def check_meta(meta):
    """The parts of round.json the draw depends on, checked against the specification."""
    version = meta.get("engine_version")
    if version not in FORMATS:
        raise Difference(
            f"round.json: engine version {version!r}, this verifier implements 1 and 2"
        )
    if meta.get("format") != FORMATS[version]:
        raise Difference(
            f"round.json: format {meta.get('format')!r}, engine version {version} is {FORMATS[version]!r}"
        )
    parse_date(meta.get("round_date", ""), "round.json round_date")
    parse_date(meta.get("service_date", ""), "round.json service_date")
    ports = meta.get("ports")
    if not isinstance(ports, list):
        raise Difference("round.json: ports must be a list")
    codes = [p.get("code") for p in ports]
    if any(not isinstance(c, str) or not CODE_RE.match(c) for c in codes):
        raise Difference("round.json: port codes are 2-8 upper-case letters or digits")
    if codes != sorted(codes) or len(set(codes)) != len(codes):
        raise Difference("round.json: ports must be sorted by code, each once")
    for port in ports:
        check_int(port.get("capacity"), f"capacity of {port['code']}")
        if version == "2":
            weights = port.get("weights")
            if not isinstance(weights, list) or len(weights) != MAX_GROUP:
                raise Difference(f"round.json: {port['code']} needs 10 size weights")
            for w in weights:
                check_int(w, f"a size weight of {port['code']}", 1, MAX_WEIGHT)
    check_int(meta.get("reserved_percent"), "reserved_percent", 0, 100)
    check_int(meta.get("standby_percent"), "standby_percent", 0)
    check_int(meta.get("request_count"), "request_count")
    beacon = meta.get("beacon")
    if not isinstance(beacon, dict) or beacon.get("source") not in ("drand", "nist", "local"):
        raise Difference("round.json: beacon.source must be drand, nist or local")
    value = beacon.get("value")
    if not isinstance(value, str) or not BEACON_RE.match(value):
        raise Difference(
            "round.json: beacon.value must be 32 to 128 lower-case hex digits (local values too)"
        )
    for name in ("fingerprint", "seed", "result_digest"):
        if not isinstance(meta.get(name), str) or not HASH_RE.match(meta[name]):
            raise Difference(f"round.json: {name} must be 64 lower-case hex digits")
    return version, codes


# --- commitments and seeds -------------------------------------------------------------------


def requests_fingerprint(lines):
    """SHA-256 of the data lines of requests.csv, each followed by a newline."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("ascii") + b"\n")
    return digest.hexdigest()


def parameters_text_v1(meta):
    ports = ";".join(f"{p['code']}:{int(p['capacity'])}" for p in meta["ports"])
    return (
        f"format={FORMATS['1']}\n"
        f"round_date={meta['round_date']}\n"
        f"service_date={meta['service_date']}\n"
        f"ports={ports}\n"
        f"reserved_percent={int(meta['reserved_percent'])}\n"
        f"standby_percent={int(meta['standby_percent'])}\n"
        f"fingerprint={meta['fingerprint']}\n"
        f"engine_version={meta['engine_version']}\n"
    )


def commitment_text(meta):
    """Engine version 2: every parameter of the draw, published (as its SHA-256, the
    commitment) when the round is frozen, before the beacon value exists."""
    beacon = meta["beacon"]
    lines = [
        f"format={FORMATS['2']}",
        "engine_version=2",
        f"round_date={meta['round_date']}",
        f"service_date={meta['service_date']}",
        f"frozen_at={meta['frozen_at']}",
    ]
    for p in meta["ports"]:
        lines.append(f"port={p['code']},{p['capacity']},{','.join(str(w) for w in p['weights'])}")
    lines += [
        f"reserved_percent={meta['reserved_percent']}",
        f"standby_percent={meta['standby_percent']}",
        f"request_count={meta['request_count']}",
        f"fingerprint={meta['fingerprint']}",
        f"beacon_source={beacon['source']}",
        f"beacon_round={beacon['round']}",
        f"beacon_delay_seconds={beacon['delay_seconds']}",
    ]
    return "".join(line + "\n" for line in lines)


def beacon_time(source, round_text):
    """When the beacon round is published: drand round r at genesis + (r - 1) * 30 s; a NIST
    pulse at the minute it names. None for a local value."""
    if source == "drand":
        if not INT_RE.match(round_text) or int(round_text) < 1:
            raise Difference(f"beacon round: {round_text!r} is not a drand round number")
        return dt.datetime.fromtimestamp(
            DRAND_GENESIS + (int(round_text) - 1) * DRAND_PERIOD, tz=UTC
        )
    if source == "nist":
        when = parse_time(round_text, "beacon round (NIST pulse time)")
        if when.second or when.microsecond:
            raise Difference("beacon round: a NIST pulse time is a whole minute")
        return when
    if round_text != "local":
        raise Difference("beacon round: a local beacon's round is 'local'")
    return None


# --- engine version 1 ----------------------------------------------------------------------


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


def order_keys(domain, seed, n):
    return struct.unpack(f">{n}Q", hashlib.shake_256(domain + seed).digest(8 * n))


def allocate(seed, capacities, reserved_percent, standby_percent, sizes, first, second, day):
    """Engine version 1."""
    n = len(sizes)
    keys = order_keys(b"portline-order/1", seed, n)
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


# --- engine version 2 ----------------------------------------------------------------------


class Walk:
    """A port's weighted random walk over its candidates (docs/allocation.md, engine version 2).
    Cumulative weights live in a binary indexed tree so that a reached or taken candidate's
    weight can be set to zero; any way of finding the same candidate gives the same result."""

    def __init__(self, seed, port, phase, candidates, sizes, weights, taken):
        self.seed, self.port, self.phase = seed, port, phase
        self.candidates, self.sizes, self.taken = candidates, sizes, taken
        self.weight = [weights[sizes[i] - 1] for i in candidates]
        n = self.n = len(candidates)
        self.tree = [0, *self.weight]
        for i in range(1, n + 1):
            j = i + (i & -i)
            if j <= n:
                self.tree[j] += self.tree[i]
        self.total = sum(self.weight)
        self.out = [False] * n  # taken or reached
        self.number = 0
        self.reached = []

    def remove(self, position):
        weight, self.weight[position] = self.weight[position], 0
        self.out[position] = True
        self.total -= weight
        i = position + 1
        while i <= self.n:
            self.tree[i] -= weight
            i += i & -i

    def sync(self):
        counts = [0] * MAX_GROUP
        for position, i in enumerate(self.candidates):
            if self.taken[i] and not self.out[position]:
                self.remove(position)
            if not self.out[position]:
                counts[self.sizes[i] - 1] += 1
        return counts

    def next(self):
        while True:
            text = f"portline-walk/2|{self.port}|{self.phase}|{self.number}|"
            digest = hashlib.sha256(text.encode("ascii") + self.seed).digest()
            value = int.from_bytes(digest[:8], "big")
            self.number += 1
            if value < 2**64 - (2**64 % self.total):
                break
        r = value % self.total
        # The first candidate whose cumulative weight (over those left) exceeds r.
        position, step = 0, 1 << (self.n.bit_length() - 1)
        while step:
            following = position + step
            if following <= self.n and self.tree[following] <= r:
                position = following
                r -= self.tree[following]
            step >>= 1
        self.remove(position)
        i = self.candidates[position]
        self.reached.append(i)
        return i

    def fill(self, places):
        won = []
        available = self.sync()
        while places > 0 and sum(available[: min(places, MAX_GROUP)]) > 0:
            i = self.next()
            available[self.sizes[i] - 1] -= 1
            if self.sizes[i] <= places:
                self.taken[i] = True
                won.append(i)
                places -= self.sizes[i]
        return won, places


def allocate_v2(
    seed, capacities, weights, reserved_percent, standby_percent, sizes, first, second, day
):
    """Engine version 2."""
    n = len(sizes)
    keys = order_keys(b"portline-order/2", seed, n)
    ports = len(capacities)
    taken = [False] * n
    selected = [[] for _ in range(ports)]
    reserved = [set() for _ in range(ports)]
    left = [0] * ports
    walks = []
    mine_of = [[i for i in range(n) if first[i] == p] for p in range(ports)]
    for p, capacity in enumerate(capacities):
        mine = mine_of[p]
        share = capacity * reserved_percent // 100
        largest = max((sizes[i] for i in mine), default=0)
        places = share
        if mine and share >= largest:
            for i in sorted(mine, key=lambda i: (day[i], keys[i], i)):
                if places < largest:
                    break
                taken[i] = True
                selected[p].append(i)
                reserved[p].add(i)
                places -= sizes[i]
        walk = Walk(seed, p, "first", mine, sizes, weights[p], taken)
        won, left[p] = walk.fill(capacity - (share - places))
        selected[p].extend(won)
        walks.append(walk)
    for p in range(ports):
        if left[p] > 0:
            theirs = [i for i in range(n) if second[i] == p]
            won, left[p] = Walk(seed, p, "second", theirs, sizes, weights[p], taken).fill(left[p])
            selected[p].extend(won)
    standby = []
    for p, capacity in enumerate(capacities):
        target = capacity * standby_percent // 100
        walk = walks[p]
        available = walk.sync()
        listed, people, position = [], 0, 0
        while people < target:
            if position < len(walk.reached):
                i = walk.reached[position]
            elif sum(available[: min(capacity, MAX_GROUP)]) > 0:
                i = walk.next()
                available[sizes[i] - 1] -= 1
            else:
                break
            position += 1
            if taken[i] or sizes[i] > capacity:
                continue
            listed.append(i)
            people += sizes[i]
        standby.append(listed)
    return selected, reserved, standby


# --- the check -------------------------------------------------------------------------------


def verify(directory, beacon=None, fingerprint=None, commitment=None):
    directory = Path(directory)
    meta = json.loads((directory / "round.json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise Difference("round.json: not a JSON object")
    version, codes = check_meta(meta)
    capacity_of = {p["code"]: p["capacity"] for p in meta["ports"]}
    lines = read_lines(directory / "requests.csv", REQUESTS_HEADER)
    computed = requests_fingerprint(lines)
    if fingerprint is not None and fingerprint.strip().lower() != meta["fingerprint"]:
        raise Difference(
            f"fingerprint: published {fingerprint.strip().lower()}, round.json says {meta['fingerprint']}"
        )
    if computed != meta["fingerprint"]:
        raise Difference(
            f"fingerprint: round.json says {meta['fingerprint']}, requests.csv gives {computed}"
        )
    if len(lines) != meta["request_count"]:
        raise Difference(
            f"request count: round.json says {meta['request_count']}, requests.csv has {len(lines)}"
        )
    value = (beacon or meta["beacon"]["value"]).strip().lower()
    if value != meta["beacon"]["value"]:
        raise Difference(
            f"beacon value: you gave {value}, round.json says {meta['beacon']['value']}"
        )
    signature = meta["beacon"].get("signature") or ""
    if signature and hashlib.sha256(bytes.fromhex(signature)).hexdigest() != value:
        raise Difference("beacon value: it is not SHA-256 of the drand signature in round.json")
    if version == "1":
        digest = hashlib.sha256(parameters_text_v1(meta).encode("ascii")).hexdigest()
        if digest != meta.get("input_digest"):
            raise Difference(
                f"input digest: round.json says {meta.get('input_digest')}, recomputed {digest}"
            )
        if commitment is not None:
            raise Difference("commitment: engine version 1 rounds were not committed at freeze")
        seed = hashlib.sha256(f"portline-seed/1|{digest}|{value}".encode("ascii")).hexdigest()
    else:
        beacon_meta = meta["beacon"]
        check_int(beacon_meta.get("delay_seconds"), "beacon.delay_seconds", 1)
        frozen_at = parse_time(meta.get("frozen_at"), "round.json frozen_at")
        if not isinstance(beacon_meta.get("round"), str):
            raise Difference("round.json: beacon.round must be text")
        digest = hashlib.sha256(commitment_text(meta).encode("ascii")).hexdigest()
        if commitment is not None and commitment.strip().lower() != digest:
            raise Difference(
                f"commitment: published at freeze {commitment.strip().lower()}, the parameters in round.json give {digest}"
            )
        if digest != meta.get("commitment"):
            raise Difference(
                f"commitment: round.json says {meta.get('commitment')}, recomputed {digest}"
            )
        published = beacon_time(beacon_meta["source"], beacon_meta["round"])
        earliest = frozen_at + dt.timedelta(seconds=beacon_meta["delay_seconds"])
        if published is not None and published < earliest:
            raise Difference(
                f"beacon round: published {published.isoformat()}, before the freeze time plus the delay ({earliest.isoformat()})"
            )
        seed = hashlib.sha256(f"portline-seed/2|{digest}|{value}".encode("ascii")).hexdigest()
    if seed != meta["seed"]:
        raise Difference(f"seed: round.json says {meta['seed']}, recomputed {seed}")

    hashes, sizes, first, second, day = parse_requests(lines, codes)
    capacities = [capacity_of[c] for c in codes]
    if version == "1":
        selected, reserved, standby = allocate(
            bytes.fromhex(seed), capacities, meta["reserved_percent"], meta["standby_percent"],
            sizes, first, second, day,
        )  # fmt: skip
    else:
        selected, reserved, standby = allocate_v2(
            bytes.fromhex(seed), capacities, [p["weights"] for p in meta["ports"]],
            meta["reserved_percent"], meta["standby_percent"], sizes, first, second, day,
        )  # fmt: skip
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
    parser.add_argument(
        "--commitment", help="the commitment published when the round was frozen (hex; version 2)"
    )
    parser.add_argument("--beacon", help="the beacon value as you fetched it yourself (hex)")
    parser.add_argument("--fingerprint", help="the fingerprint published before the draw (hex)")
    args = parser.parse_args(argv)
    try:
        meta = verify(
            args.directory,
            beacon=args.beacon,
            fingerprint=args.fingerprint,
            commitment=args.commitment,
        )
    except Difference as difference:
        sys.stdout.write(f"DIFFERENCE {difference}\n")
        return 1
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as problem:
        sys.stdout.write(f"ERROR cannot read the export: {problem!r}\n")
        return 2
    local = (
        " (local/demo beacon value: not a public beacon)"
        if meta["beacon"]["source"] == "local"
        else ""
    )
    unchecked = (
        "; commitment not checked against a published value (give --commitment)"
        if meta["engine_version"] == "2" and args.commitment is None
        else ""
    )
    sys.stdout.write(
        f"MATCH round {meta['round_date']} (engine version {meta['engine_version']}): "
        f"{meta['request_count']} requests, result digest {meta['result_digest']}{local}{unchecked}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
