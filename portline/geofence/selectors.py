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


def policies_with_data() -> dict[int, tuple[ServiceAreaPolicy, engine.PolicyData]]:
    """Every version (one SELECT), by version number: the row and the engine's plain data,
    so a check can name the row of the version that judged it without a second query."""
    return {
        p.version: (p, policy_data(p)) for p in ServiceAreaPolicy.objects.order_by("effective_from")
    }


def policy_in_force(*, at: dt.datetime | None = None) -> ServiceAreaPolicy | None:
    found = engine.policy_in_force(policies_data(), at or clock.now())
    return ServiceAreaPolicy.objects.get(version=found.version) if found else None


def state_name(code: str) -> str:
    state = engine.default_index().by_code.get(code)
    return state.name if state else code


def state_choices() -> list[tuple[str, str]]:
    return [(s.code, s.name) for s in sorted(engine.default_index().states, key=lambda s: s.name)]


def declared_place_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The places a person may declare, grouped by state for a <select> with <optgroup>s:
    (state name, [(value, label)]) where value is "STATE|City", or "STATE|" for any other
    place in that state. States by name; cities by name, the other place last."""
    from django.utils.translation import gettext as _

    index = engine.default_index()
    by_state: dict[str, list[str]] = {}
    for place in engine.places():
        by_state.setdefault(place.state, []).append(place.city)
    groups = []
    for state in sorted(index.states, key=lambda s: s.name):
        cities = sorted(by_state.get(state.code, []))
        options = [(f"{state.code}|{city}", f"{city} ({state.name})") for city in cities]
        options.append((f"{state.code}|", _("Another place in %(state)s") % {"state": state.name}))
        groups.append((state.name, options))
    return groups


def declared_places() -> list[dict[str, str]]:
    """Every place a person may declare: (state, state name, city); city "" for another
    place in the state. For the API; the pages use `declared_place_choices`."""
    index = engine.default_index()
    rows = [
        {"state": p.state, "state_name": state_name(p.state), "city": p.city}
        for p in engine.places()
    ]
    rows += [{"state": s.code, "state_name": s.name, "city": ""} for s in index.states]
    return sorted(rows, key=lambda r: (r["state_name"], r["city"] == "", r["city"]))


def declared_place_parse(value: str) -> tuple[str, str] | None:
    """(state code, city) of a value from `declared_place_choices`, or None if not one."""
    state, separator, city = (value or "").partition("|")
    if not separator or state not in engine.default_index().by_code:
        return None
    if city and not any(p.state == state and p.city == city for p in engine.places()):
        return None
    return state, city


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
