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
