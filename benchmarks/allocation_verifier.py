"""Figure: the standalone verifier on a 1,000,000-request export (target <= 30 s).

Builds an export as `portline lottery export` writes it (same canonical functions, same
engine; no database needed), then runs `python3 verifier/portline_verify.py DIR` in a separate
process and times it. Baseline, same data: the plain per-request hashlib loop (key, sort,
fill) in this process.

    .venv/bin/python benchmarks/allocation_verifier.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import numpy as np

from benchmarks.allocation_data import CAPACITY, PORTS, baseline_allocate, requests
from portline.allocation import canonical, engine

VERIFIER = Path(__file__).resolve().parents[1] / "verifier" / "portline_verify.py"


def build_export(directory: Path) -> int:
    data = requests()
    count = len(data["group_size"])
    digests = sorted(
        hashlib.sha256(f"benchmark-request-{i}".encode()).digest() for i in range(count)
    )
    body = canonical.requests_body(
        b"".join(digests),
        data["group_size"],
        data["first_port"],
        data["second_port"],
        data["registered_day"],
        list(PORTS),
    )
    round_date, service_date = dt.date(2026, 1, 15), dt.date(2026, 1, 29)
    capacities = {code: CAPACITY[code] for code in PORTS}
    fingerprint = canonical.fingerprint(body)
    params = canonical.parameters_text(
        round_date=round_date,
        service_date=service_date,
        capacities=capacities,
        reserved_percent=50,
        standby_percent=100,
        fingerprint=fingerprint,
        engine_version=engine.ENGINE_VERSION,
    )
    input_digest = canonical.input_digest(params)
    beacon_value = hashlib.sha256(b"benchmark beacon").hexdigest()
    seed = canonical.seed_from(input_digest, beacon_value)
    result = engine.allocate(
        engine.RoundInput(
            seed=bytes.fromhex(seed),
            capacities=[CAPACITY[c] for c in PORTS],
            reserved_percent=50,
            standby_percent=100,
            **data,
        )
    )
    rows = []
    for port, code in enumerate(PORTS):
        reserved = set(result.reserved[port].tolist())
        for rank, i in enumerate(result.selected[port].tolist(), start=1):
            rows.append(
                (
                    code,
                    "selected",
                    rank,
                    digests[i].hex(),
                    int(data["group_size"][i]),
                    i in reserved,
                )
            )
        for rank, i in enumerate(result.standby[port].tolist(), start=1):
            rows.append(
                (code, "standby", rank, digests[i].hex(), int(data["group_size"][i]), False)
            )
    lines = canonical.result_lines(rows)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "requests.csv").write_bytes(canonical.REQUESTS_HEADER.encode() + b"\n" + body)
    (directory / "results.csv").write_text(
        canonical.RESULTS_HEADER + "\n" + "".join(line + "\n" for line in lines)
    )
    meta = {
        "format": canonical.EXPORT_FORMAT,
        "round_date": round_date.isoformat(),
        "service_date": service_date.isoformat(),
        "fingerprint": fingerprint,
        "request_count": count,
        "people_count": int(np.sum(data["group_size"])),
        "ports": [{"code": c, "capacity": capacities[c]} for c in PORTS],
        "reserved_percent": 50,
        "standby_percent": 100,
        "beacon": {
            "source": "local",
            "round": "local",
            "value": beacon_value,
            "signature": "",
            "local": True,
        },
        "engine_version": engine.ENGINE_VERSION,
        "input_digest": input_digest,
        "seed": seed,
        "result_digest": canonical.result_digest(lines),
    }
    (directory / "round.json").write_text(json.dumps(meta, indent=2))
    return count


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder) / "export"
        count = build_export(directory)
        size_mb = (directory / "requests.csv").stat().st_size / 1e6
        print(f"export of {count:,} requests ({size_mb:.0f} MB requests.csv)")
        started = time.perf_counter()
        run = subprocess.run(  # noqa: S603 - our own script
            [sys.executable, str(VERIFIER), str(directory)],
            capture_output=True,
            text=True,
            check=False,
        )
        verifier_s = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"verifier: {verifier_s:.1f} s, peak memory {peak_mb:.0f} MB -> {run.stdout.strip()[:60]}"
        )
        if run.returncode != 0:
            print(run.stdout, run.stderr)
            raise SystemExit(1)
    data = requests()
    hashes = [hashlib.sha256(f"benchmark-request-{i}".encode()).digest() for i in range(count)]
    started = time.perf_counter()
    baseline_allocate(hashlib.sha256(b"x").digest(), hashes, data, [CAPACITY[c] for c in PORTS], 50)
    baseline_s = time.perf_counter() - started
    print(
        f"baseline (per-request hashlib loop + sort + fill, no parsing or checks): {baseline_s:.1f} s"
    )
    print(
        f"ratio: verifier takes {verifier_s / baseline_s:.2f}x the baseline; target <= 30 s: {'met' if verifier_s <= 30 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
