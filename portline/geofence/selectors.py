"""Reads of the service area: policy versions as engine data, the version in force, names."""

from __future__ import annotations

import datetime as dt

from portline.common import clock
from portline.geofence import engine
from portline.geofence.models import ServiceAreaPolicy


def policy_data(policy: ServiceAreaPolicy) -> engine.PolicyData:
    return engine.PolicyData(
        version=policy.version,
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        states_mexican_nationals=frozenset(policy.states_mexican_nationals),
        states_others=frozenset(policy.states_others),
    )


def policies_data() -> list[engine.PolicyData]:
    return [policy_data(p) for p in ServiceAreaPolicy.objects.order_by("effective_from")]


def policy_in_force(*, at: dt.datetime | None = None) -> ServiceAreaPolicy | None:
    found = engine.policy_in_force(policies_data(), at or clock.now())
    return ServiceAreaPolicy.objects.get(version=found.version) if found else None


def state_name(code: str) -> str:
    state = engine.default_index().by_code.get(code)
    return state.name if state else code


def state_choices() -> list[tuple[str, str]]:
    return [(s.code, s.name) for s in sorted(engine.default_index().states, key=lambda s: s.name)]


def policy_history() -> list[ServiceAreaPolicy]:
    """Every version of the service area, newest first."""
    return list(ServiceAreaPolicy.objects.order_by("-effective_from"))


def policy_by_version(version: int) -> ServiceAreaPolicy | None:
    return ServiceAreaPolicy.objects.filter(version=version).first()


def area_self_check(
    *, latitude: float, longitude: float, accuracy_m: float | None, mexican: bool, at: dt.datetime
) -> engine.CheckResult:
    """What a request from this point would be told now; stores nothing."""
    return engine.check(
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        nationalities=["MX" if mexican else ""],
        at=at,
        policies=policies_data(),
    )
