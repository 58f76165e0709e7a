"""Builds the test vectors in verifier/vectors/ with Portline's own engine (docs/allocation.md,
"Test vectors"). The tests check that the stored files are exactly what the engine gives and
that the standalone verifier accepts the valid ones and refuses the invalid ones.

    .venv/bin/python -m tests.allocation.vectors verifier/vectors     # (re)writes them
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from portline.allocation import beacon, canonical, engine
from portline.allocation.fairness import v2_weights

FROZEN_AT = dt.datetime(2026, 11, 29, 17, 0, 5, 250000, tzinfo=dt.UTC)
LOCAL_VALUE = "5eed" * 16
# drand mainnet round 1337 (real values; see tests/allocation/test_beacon.py)
DRAND_ROUND = 1337
DRAND_SIGNATURE = (
    "945b08dcb30e24da281ccf14a646f0630ceec515af5c5895e18cc1b19edd65d156b71c776a369af3487f1bc6af1062500b059e01"
    "095cc0eedce91713977d7735cac675554edfa0d0481bb991ed93d333d08286192c05bf6b65d20f23a37fc7bb"
)
DRAND_PREVIOUS = (
    "80d95247ddf1bb3acf5738497a5f10406be283144603f63d714bb1a44ff6b93285ae2697fffeb50c68862bd9fbecd4b204b1798d"
    "2686b4ac5d573615031d9d67e6168bde9a7adf1161430a498ca701a25c216aee3e38ffd5290369034fa050a2"
)


def _requests(seed: int, count: int, ports: list[str], *, sizes=None, days=None, second=0.3):
    rng = np.random.default_rng(seed)
    size = (
        sizes
        if sizes is not None
        else rng.choice(
            np.arange(1, 11), count, p=[0.38, 0.2, 0.16, 0.12, 0.06, 0.03, 0.02, 0.015, 0.01, 0.005]
        )
    )
    rows = []
    for i in range(count):
        first = ports[int(rng.integers(0, len(ports)))]
        other = [p for p in ports if p != first]
        second_port = (
            other[int(rng.integers(0, len(other)))] if other and rng.random() < second else ""
        )
        day = (
            days[i]
            if days is not None
            else dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 40)))
        )
        rows.append((int(size[i]), first, second_port, day))
    return rows


VECTORS = {
    "v2-basic": {
        "capacities": {"BRO": 7, "CXL": 5, "SYS": 12},
        "requests": lambda: _requests(1, 40, ["BRO", "CXL", "SYS"]),
    },
    "v2-capacity-zero": {
        "capacities": {"LRD": 0, "NOG": 9},
        "requests": lambda: _requests(2, 25, ["LRD", "NOG"], second=0.8),
    },
    "v2-empty-round": {"capacities": {"BRO": 5, "SYS": 10}, "requests": lambda: []},
    "v2-group-larger-than-every-port": {
        "capacities": {"CXL": 4, "NOG": 6},
        "requests": lambda: _requests(
            3, 14, ["CXL", "NOG"], sizes=[10, 7, 1, 2, 3, 1, 1, 10, 2, 1, 4, 1, 1, 2], second=0.5
        ),
    },
    "v2-registration-date-ties": {
        "capacities": {"SYS": 11},
        "reserved_percent": 100,
        "requests": lambda: _requests(
            4, 20, ["SYS"], days=[dt.date(2025, 3, 1)] * 12 + [dt.date(2025, 2, 1)] * 8
        ),
    },
    "v2-drand-round-1337": {
        "capacities": {"BRO": 6, "SYS": 8},
        "beacon": "drand",
        "requests": lambda: _requests(5, 30, ["BRO", "SYS"]),
    },
    "v1-basic": {
        "engine_version": "1",
        "capacities": {"BRO": 7, "CXL": 5, "SYS": 12},
        "requests": lambda: _requests(1, 40, ["BRO", "CXL", "SYS"]),
    },
}

# Exports the verifier must refuse, and the start of the line it must print.
INVALID = {
    "invalid-group-size-11": ("v2-basic", "DIFFERENCE requests.csv line 4: group size '11'"),
    "invalid-second-port-not-in-round": (
        "v2-basic",
        "DIFFERENCE requests.csv line 5: second port 'ELP' is not in the round",
    ),
    "invalid-beacon-round-too-early": ("v2-drand-round-1337", "DIFFERENCE beacon round: published"),
    "invalid-local-value-not-hex": (
        "v2-basic",
        "DIFFERENCE round.json: beacon.value must be 32 to 128 lower-case hex digits",
    ),
}


def build(name: str, spec: dict) -> dict[str, str]:
    version = spec.get("engine_version", "2")
    capacities = spec["capacities"]
    codes = sorted(capacities)
    reserved_percent = spec.get("reserved_percent", 50)
    standby_percent = spec.get("standby_percent", 100)
    rows = spec["requests"]()
    salt = hashlib.sha256(name.encode()).hexdigest()[:32]
    hashes = (
        canonical.request_pseudonyms(salt, np.arange(1, len(rows) + 1))
        if rows
        else np.zeros((0, 32), np.uint8)
    )
    order = np.argsort(hashes.reshape(-1).view("S32"), kind="stable") if rows else np.zeros(0, int)
    rows = [rows[i] for i in order]
    hex_hashes = [hashes[i].tobytes().hex() for i in order]
    lines = [
        canonical.request_line(h, s, f, p or None, d)
        for h, (s, f, p, d) in zip(hex_hashes, rows, strict=True)
    ]
    fingerprint = canonical.fingerprint("".join(line + "\n" for line in lines).encode())
    sizes = np.array([r[0] for r in rows], dtype=np.int64)
    first = np.array([codes.index(r[1]) for r in rows], dtype=np.int64)
    weights = {
        code: v2_weights(
            capacities[code],
            reserved_percent,
            np.bincount(sizes[first == i] - 1, minlength=10).tolist() if rows else [0] * 10,
        )
        for i, code in enumerate(codes)
    }
    source = spec.get("beacon", "local")
    if source == "drand":
        frozen_at = beacon.drand_round_time(DRAND_ROUND) - dt.timedelta(seconds=150)
        beacon_round, value = str(DRAND_ROUND), beacon.drand_randomness(DRAND_SIGNATURE)
        signature, previous = DRAND_SIGNATURE, DRAND_PREVIOUS
        not_before = canonical.utc_text(beacon.drand_round_time(DRAND_ROUND))
    else:
        frozen_at, beacon_round, value, signature, previous, not_before = (
            FROZEN_AT,
            "local",
            LOCAL_VALUE,
            "",
            "",
            None,
        )
    round_date, service_date = dt.date(2026, 11, 28), dt.date(2026, 12, 12)
    meta = {
        "format": canonical.EXPORT_FORMATS[version],
        "engine_version": version,
        "round_date": round_date.isoformat(),
        "service_date": service_date.isoformat(),
        "status": "drawn",
        "frozen_at": canonical.utc_text(frozen_at),
        "drawn_at": canonical.utc_text(frozen_at + dt.timedelta(minutes=10)),
        "fingerprint": fingerprint,
        "request_count": len(rows),
        "people_count": int(sizes.sum()),
        "ports": [{"code": c, "capacity": capacities[c]} for c in codes],
        "reserved_percent": reserved_percent,
        "standby_percent": standby_percent,
        "beacon": {
            "source": source,
            "round": beacon_round,
            "not_before": not_before,
            "value": value,
            "signature": signature,
            "previous_signature": previous,
            "signature_checked": bool(signature),
            "local": source == "local",
        },
    }
    if version == "2":
        for port in meta["ports"]:
            port["weights"] = weights[port["code"]]
        meta["beacon"]["delay_seconds"] = 120
        text = canonical.commitment_text(
            round_date=round_date, service_date=service_date, frozen_at=frozen_at, capacities=capacities,
            size_weights=weights, reserved_percent=reserved_percent, standby_percent=standby_percent,
            request_count=len(rows), fingerprint=fingerprint, beacon_source=source,
            beacon_round=beacon_round, beacon_delay_seconds=120,
        )  # fmt: skip
        meta["commitment"] = meta["input_digest"] = canonical.input_digest(text)
    else:
        meta["input_digest"] = canonical.input_digest(
            canonical.parameters_text(
                round_date=round_date, service_date=service_date, capacities=capacities,
                reserved_percent=reserved_percent, standby_percent=standby_percent,
                fingerprint=fingerprint, engine_version="1",
            )
        )  # fmt: skip
    meta["seed"] = canonical.seed_from(meta["input_digest"], value, version)
    result = engine.allocate(
        engine.RoundInput(
            seed=bytes.fromhex(meta["seed"]),
            capacities=[capacities[c] for c in codes],
            reserved_percent=reserved_percent,
            standby_percent=standby_percent,
            group_size=sizes,
            first_port=first,
            second_port=np.array([codes.index(r[2]) if r[2] else -1 for r in rows], dtype=np.int64),
            registered_day=np.array([r[3].toordinal() for r in rows], dtype=np.int64),
            engine_version=version,
            size_weights=[weights[c] for c in codes] if version == "2" else None,
        )
    )
    results = []
    for p, code in enumerate(codes):
        reserved = set(result.reserved[p].tolist())
        for rank, i in enumerate(result.selected[p].tolist(), start=1):
            results.append((code, "selected", rank, hex_hashes[i], int(sizes[i]), i in reserved))
        for rank, i in enumerate(result.standby[p].tolist(), start=1):
            results.append((code, "standby", rank, hex_hashes[i], int(sizes[i]), False))
    result_lines = canonical.result_lines(results)
    meta["result_digest"] = canonical.result_digest(result_lines)
    meta["selected_requests"] = sum(len(s) for s in result.selected)
    meta["selected_people"] = int(sum(sizes[s].sum() for s in result.selected))
    meta["reserved_people"] = int(sum(sizes[s].sum() for s in result.reserved))
    meta["standby_requests"] = sum(len(s) for s in result.standby)
    return {
        "round.json": json.dumps(meta, indent=2, sort_keys=True) + "\n",
        "requests.csv": canonical.REQUESTS_HEADER + "\n" + "".join(line + "\n" for line in lines),
        "results.csv": canonical.RESULTS_HEADER
        + "\n"
        + "".join(line + "\n" for line in result_lines),
    }


def _recommit(files: dict[str, str]) -> dict[str, str]:
    """After a change to an invalid vector: fingerprint, commitment and seed made consistent
    again, so that the verifier reaches the rule the vector breaks."""
    from tests.allocation.verifier_module import verifier

    meta = json.loads(files["round.json"])
    lines = files["requests.csv"].splitlines()[1:]
    meta["fingerprint"] = verifier.requests_fingerprint(lines)
    text = verifier.commitment_text(meta)
    meta["commitment"] = meta["input_digest"] = hashlib.sha256(text.encode()).hexdigest()
    meta["seed"] = canonical.seed_from(meta["commitment"], meta["beacon"]["value"], "2")
    return dict(files, **{"round.json": json.dumps(meta, indent=2, sort_keys=True) + "\n"})


def build_invalid(name: str) -> dict[str, str]:
    files = build(INVALID[name][0], VECTORS[INVALID[name][0]])
    lines = files["requests.csv"].splitlines()
    meta = json.loads(files["round.json"])
    if name == "invalid-group-size-11":
        fields = lines[3].split(",")
        fields[1] = "11"
        lines[3] = ",".join(fields)
    elif name == "invalid-second-port-not-in-round":
        fields = lines[4].split(",")
        fields[3] = "ELP"
        lines[4] = ",".join(fields)
    elif name == "invalid-beacon-round-too-early":
        meta["beacon"]["round"] = str(
            DRAND_ROUND - 2
        )  # published 90 s after freeze; the delay is 120 s
    elif name == "invalid-local-value-not-hex":
        meta["beacon"]["value"] = "not-hex-" + "0" * 32
    files = dict(
        files,
        **{
            "requests.csv": "\n".join(lines) + "\n",
            "round.json": json.dumps(meta, indent=2, sort_keys=True) + "\n",
        },
    )
    return _recommit(files) if name != "invalid-local-value-not-hex" else files


def all_vectors() -> dict[str, dict[str, str]]:
    out = {name: build(name, spec) for name, spec in VECTORS.items()}
    out.update({name: build_invalid(name) for name in INVALID})
    for name, files in out.items():
        meta = json.loads(files["round.json"])
        files["expected.txt"] = (
            INVALID[name][1] + "\n"
            if name in INVALID
            else f"MATCH result_digest={meta['result_digest']}"
            + (f" commitment={meta['commitment']}" if meta.get("commitment") else "")
            + "\n"
        )
    return out


def write(directory: Path) -> None:
    for name, files in all_vectors().items():
        folder = directory / name
        folder.mkdir(parents=True, exist_ok=True)
        for filename, text in files.items():
            (folder / filename).write_text(text, encoding="utf-8", newline="")


if __name__ == "__main__":
    import django

    django.setup()
    write(Path(sys.argv[1]))
