"""Allocation rounds: public figures anyone may check (no login; no personal data).

Each round lists its fingerprint (published before the beacon value existed), the beacon it
is seeded from, the seed, the engine version, capacities and counts. The export files are at
`/rounds/<date>/export/<file>` on the public site; docs/allocation.md explains how to check
them with `verifier/portline_verify.py`.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from portline.allocation.models import Round
from portline.allocation.selectors import round_get, rounds_public
from portline.api.v1.errors import responses

router = Router(tags=["rounds"])


class PortCapacityOut(Schema):
    code: str
    capacity: int = Field(..., description="Places (people) at this port on the appointment date.")


class BeaconOut(Schema):
    source: str = Field(
        ..., description="drand, nist, or local (a demo/test value, not a public beacon)."
    )
    round: str = Field(
        ...,
        description="The beacon round (drand) or pulse time (NIST) fixed when the round was frozen.",
    )
    not_before: dt.datetime | None
    value: str = Field(
        ..., description="The beacon value entered by the administrator; empty until then."
    )
    signature_checked: bool
    local: bool = Field(
        ..., description="True when the value is local: such a round is a demonstration."
    )


class RoundOut(Schema):
    round_date: dt.date
    service_date: dt.date
    status: str = Field(..., description="frozen, seeded or drawn.")
    frozen_at: dt.datetime
    drawn_at: dt.datetime | None
    fingerprint: str = Field(
        ...,
        description="SHA-256 of the canonical export (requests.csv after its header) of the eligible requests.",
    )
    request_count: int
    people_count: int
    capacity_total: int
    ports: list[PortCapacityOut]
    reserved_percent: int = Field(
        ..., description="Share of each port's capacity for the longest-waiting registrations."
    )
    standby_percent: int
    beacon: BeaconOut
    seed: str
    engine_version: str
    input_digest: str
    result_digest: str
    selected_requests: int
    selected_people: int
    reserved_people: int
    standby_requests: int
    export_url: str = Field(..., description="Where the export files are listed.")


def _out(request: HttpRequest, round_obj: Round) -> dict:
    return {
        "round_date": round_obj.round_date,
        "service_date": round_obj.service_date,
        "status": round_obj.status,
        "frozen_at": round_obj.frozen_at,
        "drawn_at": round_obj.drawn_at,
        "fingerprint": round_obj.fingerprint,
        "request_count": round_obj.request_count,
        "people_count": round_obj.people_count,
        "capacity_total": round_obj.capacity_total,
        "ports": [
            {"code": c, "capacity": int(round_obj.capacities[c])}
            for c in sorted(round_obj.capacities)
        ],
        "reserved_percent": round_obj.reserved_percent,
        "standby_percent": round_obj.standby_percent,
        "beacon": {
            "source": round_obj.beacon_source,
            "round": round_obj.beacon_round,
            "not_before": round_obj.beacon_not_before,
            "value": round_obj.beacon_value,
            "signature_checked": round_obj.beacon_verified,
            "local": round_obj.is_local_beacon,
        },
        "seed": round_obj.seed,
        "engine_version": round_obj.engine_version,
        "input_digest": round_obj.input_digest,
        "result_digest": round_obj.result_digest,
        "selected_requests": round_obj.selected_requests,
        "selected_people": round_obj.selected_people,
        "reserved_people": round_obj.reserved_people,
        "standby_requests": round_obj.standby_requests,
        "export_url": request.build_absolute_uri(f"/rounds/{round_obj.round_date.isoformat()}/"),
    }


@router.get(
    "", response=responses({200: list[RoundOut]}), auth=None, summary="Recent allocation rounds"
)
def round_list(request: HttpRequest, limit: int = 30):
    """The most recent rounds first; `limit` is at most 365."""
    return [_out(request, r) for r in rounds_public()[: max(1, min(limit, 365))]]


@router.get(
    "/{round_date}",
    response=responses({200: RoundOut}, 404),
    auth=None,
    summary="One allocation round",
)
def round_detail(request: HttpRequest, round_date: dt.date):
    return _out(request, round_get(round_date))
