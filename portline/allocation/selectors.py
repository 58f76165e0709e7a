"""Reads of allocation rounds: public figures, the canonical export, and re-checks."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portline.allocation import canonical, engine
from portline.allocation.fairness import size_chances
from portline.allocation.models import Round, RoundSelection, RoundStatus, SelectionOutcome
from portline.common.errors import Conflict, NotFound
from portline.scheduling.models import Port


def rounds_public() -> QuerySet[Round]:
    """Rounds are public: they hold no personal data (only counts, hashes and parameters)."""
    return Round.objects.all().order_by("-round_date")


def round_get(round_date: dt.date) -> Round:
    round_obj = Round.objects.filter(round_date=round_date).first()
    if round_obj is None:
        raise NotFound(_("No round for %(date)s.") % {"date": round_date.isoformat()})
    return round_obj


def round_request_hash(round_obj: Round, request_id: int) -> str:
    """The pseudonym under which a request appears in this round's public export."""
    from portline.allocation.services import round_entries

    return canonical.request_hash(
        round_obj.request_salt, round_entries(round_obj)["request_id"], request_id
    )


def _port_codes() -> dict[int, str]:
    return dict(Port.objects.values_list("pk", "code"))


def round_requests_body(round_obj: Round) -> bytes:
    """The data lines of requests.csv, in canonical order (rebuilt from the frozen entries)."""
    from portline.allocation.services import requests_body, round_entries

    entries = round_entries(round_obj)
    pseudonyms = canonical.request_pseudonyms(round_obj.request_salt, entries["request_id"])
    return requests_body(pseudonyms.tobytes(), entries, _port_codes())


def round_result_lines(round_obj: Round) -> list[str]:
    """The data lines of results.csv from the stored selections (as drawn: promotions of
    standby requests after the draw are not part of the draw and do not change this)."""
    from portline.allocation.services import request_hashes_of, round_entries

    selections = list(
        RoundSelection.objects.filter(round=round_obj).select_related("port").order_by()
    )
    hashes = request_hashes_of(
        round_obj, round_entries(round_obj)["request_id"], [s.request_id for s in selections]
    )
    rows = []
    for selection in selections:
        outcome = SelectionOutcome.STANDBY if selection.promoted_at else selection.outcome
        rows.append(
            (
                selection.port.code,
                outcome,
                selection.rank,
                hashes[selection.request_id],
                selection.group_size,
                selection.reserved,
            )
        )
    return canonical.result_lines(rows)


def round_metadata(round_obj: Round) -> dict:
    """round.json (docs/allocation.md; its JSON Schema is docs/schemas/round.schema.json)."""
    version = round_obj.engine_version or engine.ENGINE_VERSION
    meta = {
        "format": canonical.EXPORT_FORMATS[version if version in ("1", "2") else "2"],
        "round_date": round_obj.round_date.isoformat(),
        "service_date": round_obj.service_date.isoformat(),
        "status": round_obj.status,
        "frozen_at": canonical.utc_text(round_obj.frozen_at),
        "drawn_at": canonical.utc_text(round_obj.drawn_at) if round_obj.drawn_at else None,
        "fingerprint": round_obj.fingerprint,
        "request_count": round_obj.request_count,
        "people_count": round_obj.people_count,
        "ports": [
            {"code": code, "capacity": int(round_obj.capacities[code])}
            for code in sorted(round_obj.capacities)
        ],
        "reserved_percent": round_obj.reserved_percent,
        "standby_percent": round_obj.standby_percent,
        "beacon": {
            "source": round_obj.beacon_source,
            "round": round_obj.beacon_round,
            "not_before": round_obj.beacon_not_before.isoformat()
            if round_obj.beacon_not_before
            else None,
            "value": round_obj.beacon_value,
            "signature": round_obj.beacon_signature,
            "previous_signature": round_obj.beacon_previous_signature,
            "signature_checked": round_obj.beacon_verified,
            "local": round_obj.is_local_beacon,
        },
        "engine_version": round_obj.engine_version,
        "input_digest": round_obj.input_digest,
        "seed": round_obj.seed,
        "result_digest": round_obj.result_digest,
        "selected_requests": round_obj.selected_requests,
        "selected_people": round_obj.selected_people,
        "reserved_people": round_obj.reserved_people,
        "standby_requests": round_obj.standby_requests,
    }
    if round_obj.engine_version == "2":
        for port in meta["ports"]:
            port["weights"] = [int(w) for w in round_obj.size_weights[port["code"]]]
        meta["beacon"]["delay_seconds"] = round_obj.beacon_delay_seconds
        meta["commitment"] = round_obj.commitment
    meta["engine_version"] = version
    return meta


def round_port_chances(round_obj: Round) -> list[dict]:
    """Per port: the requests of each group size (1..10) in the frozen set and each size's
    expected chance of selection in this round (portline.allocation.fairness.size_chances)."""
    from portline.allocation.services import round_entries

    entries = round_entries(round_obj)
    codes = dict(Port.objects.filter(code__in=round_obj.capacities).values_list("code", "pk"))
    version = round_obj.engine_version or engine.ENGINE_VERSION
    rows = []
    for code in sorted(round_obj.capacities):
        sizes = entries["group_size"][entries["first_port_id"] == codes.get(code, -1)]
        counts = [int(c) for c in np.bincount(sizes.astype(np.int64), minlength=11)[1:11]]
        chances = size_chances(
            engine_version="1" if version == "1" else "2",
            capacity=int(round_obj.capacities[code]),
            reserved_percent=round_obj.reserved_percent,
            counts=counts,
            weights=round_obj.size_weights.get(code) if version == "2" else None,
        )
        single = chances[0]
        rows.append(
            {
                "code": code,
                "counts": counts,
                "chances": chances,
                "relative": [c / single if single else None for c in chances],
            }
        )
    return rows


def round_export_write(round_obj: Round, directory: Path) -> list[Path]:
    """Write round.json, requests.csv and results.csv (docs/allocation.md, "The export")."""
    if round_obj.status != RoundStatus.DRAWN:
        raise Conflict(_("Only a drawn round can be exported."), code="not_drawn")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    path = directory / "requests.csv"
    path.write_bytes(
        canonical.REQUESTS_HEADER.encode("ascii") + b"\n" + round_requests_body(round_obj)
    )
    written.append(path)
    path = directory / "results.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(canonical.RESULTS_HEADER + "\n")
        handle.writelines(line + "\n" for line in round_result_lines(round_obj))
    written.append(path)
    path = directory / "round.json"
    path.write_text(
        json.dumps(round_metadata(round_obj), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    written.append(path)
    return written


@dataclass(frozen=True)
class RoundCheck:
    ok: bool
    problems: list[str]


def round_recheck(round_obj: Round) -> RoundCheck:
    """Recompute the fingerprint, the input digest, the seed and the draw from the database and
    compare them with what the round recorded."""
    from portline.allocation.services import (
        _parameters,
        _result_rows,
        round_commitment,
        round_engine_input,
        round_entries_arrays,
    )

    problems = []
    fingerprint = canonical.fingerprint(round_requests_body(round_obj))
    if fingerprint != round_obj.fingerprint:
        problems.append(f"fingerprint: recorded {round_obj.fingerprint}, recomputed {fingerprint}")
    if round_obj.status == RoundStatus.FROZEN:
        if round_obj.engine_version == "2" and round_commitment(round_obj) != round_obj.commitment:
            problems.append(
                f"commitment: published {round_obj.commitment}, recomputed {round_commitment(round_obj)}"
            )
        return RoundCheck(ok=not problems, problems=problems)
    if round_obj.engine_version == "2":
        digest = round_commitment(round_obj)
        if digest != round_obj.commitment:
            problems.append(f"commitment: published {round_obj.commitment}, recomputed {digest}")
    else:
        digest = canonical.input_digest(_parameters(round_obj))
    if digest != round_obj.input_digest:
        problems.append(f"input digest: recorded {round_obj.input_digest}, recomputed {digest}")
    seed = canonical.seed_from(digest, round_obj.beacon_value, round_obj.engine_version or "1")
    if seed != round_obj.seed:
        problems.append(f"seed: recorded {round_obj.seed}, recomputed {seed}")
    if round_obj.status == RoundStatus.DRAWN:
        if round_obj.engine_version not in engine.ENGINE_VERSIONS:
            problems.append(f"engine version: {round_obj.engine_version} is unknown")
            return RoundCheck(ok=False, problems=problems)
        arrays = round_entries_arrays(round_obj)
        data, codes = round_engine_input(round_obj, arrays)
        rerun = canonical.result_lines(
            _result_rows(round_obj, arrays, codes, engine.allocate(data))
        )
        stored = round_result_lines(round_obj)
        if canonical.result_digest(rerun) != round_obj.result_digest:
            problems.append(
                f"result digest: recorded {round_obj.result_digest}, rerun gives {canonical.result_digest(rerun)}"
            )
        for number, (want, have) in enumerate(zip(rerun, stored, strict=False), start=1):
            if want != have:
                problems.append(f"selection {number}: rerun gives {want}, database holds {have}")
                break
        else:
            if len(rerun) != len(stored):
                problems.append(
                    f"selections: rerun gives {len(rerun)}, database holds {len(stored)}"
                )
    return RoundCheck(ok=not problems, problems=problems)


def round_port_counts(round_obj: Round) -> dict[str, dict[str, int]]:
    """Per port code: selected requests and their people, and standby entries (a promoted
    standby entry counts as standby), for the public round page."""
    counts: dict[str, dict[str, int]] = {}
    rows = round_obj.selections.filter(outcome__in=["selected", "standby"]).values_list(
        "port__code", "outcome", "group_size", "promoted_at"
    )
    for code, outcome, size, promoted in rows:
        row = counts.setdefault(code, {"selected": 0, "people": 0, "standby": 0})
        if outcome == "standby" or promoted:
            row["standby"] += 1
        if outcome == "selected" and not promoted:
            row["selected"] += 1
            row["people"] += size
    return counts
