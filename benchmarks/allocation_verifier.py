"""Figure: the standalone verifier on a 1,000,000-request export, engine versions 1 and 2
(target <= 30 s).

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
from portline.allocation.fairness import v2_weights

VERIFIER = Path(__file__).resolve().parents[1] / "verifier" / "portline_verify.py"


FROZEN_AT = dt.datetime(2026, 1, 16, 17, 0, 0, tzinfo=dt.UTC)


def build_export(directory: Path, version: str) -> int:
    """The export `portline lottery export` would write for a round drawn with `version`."""
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
    weights = {
        code: v2_weights(
            capacities[code],
            50,
            np.bincount(data["group_size"][data["first_port"] == p] - 1, minlength=10).tolist(),
        )
        for p, code in enumerate(PORTS)
    }
    beacon_value = hashlib.sha256(b"benchmark beacon").hexdigest()
    if version == "2":
        digest = canonical.input_digest(
            canonical.commitment_text(
                round_date=round_date, service_date=service_date, frozen_at=FROZEN_AT,
                capacities=capacities, size_weights=weights, reserved_percent=50,
                standby_percent=100, request_count=count, fingerprint=fingerprint,
                beacon_source="local", beacon_round="local", beacon_delay_seconds=120,
            )
        )  # fmt: skip
    else:
        digest = canonical.input_digest(
            canonical.parameters_text(
                round_date=round_date, service_date=service_date, capacities=capacities,
                reserved_percent=50, standby_percent=100, fingerprint=fingerprint,
                engine_version="1",
            )
        )  # fmt: skip
    seed = canonical.seed_from(digest, beacon_value, version)
    result = engine.allocate(
        engine.RoundInput(
            seed=bytes.fromhex(seed),
            capacities=[CAPACITY[c] for c in PORTS],
            reserved_percent=50,
            standby_percent=100,
            engine_version=version,
            size_weights=[weights[c] for c in PORTS],
            **data,
        )
    )
    rows = []
    for port, code in enumerate(PORTS):
        reserved = set(result.reserved[port].tolist())
        for rank, i in enumerate(result.selected[port].tolist(), start=1):
            size = int(data["group_size"][i])
            rows.append((code, "selected", rank, digests[i].hex(), size, i in reserved))
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
        "format": canonical.EXPORT_FORMATS[version],
        "round_date": round_date.isoformat(),
        "service_date": service_date.isoformat(),
        "frozen_at": canonical.utc_text(FROZEN_AT),
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
            "delay_seconds": 120,
        },
        "engine_version": version,
        "input_digest": digest,
        "seed": seed,
        "result_digest": canonical.result_digest(lines),
    }
    if version == "2":
        meta["commitment"] = digest
        for port in meta["ports"]:
            port["weights"] = weights[port["code"]]
    (directory / "round.json").write_text(json.dumps(meta, indent=2))
    return count


def run_verifier(directory: Path) -> tuple[float, str]:
    started = time.perf_counter()
    run = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(VERIFIER), str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        print(run.stdout, run.stderr)
        raise SystemExit(1)
    return elapsed, run.stdout.strip()


def main() -> None:
    figures = {}
    for version in ("1", "2"):
        with tempfile.TemporaryDirectory() as folder:
            directory = Path(folder) / "export"
            count = build_export(directory, version)
            size_mb = (directory / "requests.csv").stat().st_size / 1e6
            elapsed, out = run_verifier(directory)
            figures[version] = elapsed
            print(
                f"engine version {version}: export of {count:,} requests ({size_mb:.0f} MB requests.csv); "
                f"verifier {elapsed:.1f} s -> {out[:70]}"
            )
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"verifier peak memory (largest of the runs): {peak_mb:.0f} MB")
    data = requests()
    hashes = [hashlib.sha256(f"benchmark-request-{i}".encode()).digest() for i in range(count)]
    started = time.perf_counter()
    baseline_allocate(hashlib.sha256(b"x").digest(), hashes, data, [CAPACITY[c] for c in PORTS], 50)
    baseline_s = time.perf_counter() - started
    print(
        f"baseline (per-request hashlib loop + sort + fill, no parsing or checks): {baseline_s:.1f} s"
    )
    worst = max(figures.values())
    print(
        f"ratio: verifier v2 takes {figures['2'] / baseline_s:.2f}x the baseline; target <= 30 s: {'met' if worst <= 30 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
