"""The public service-area page: the area in force, its map, its history, and a self-check.

The self-check stores nothing and needs no account: anyone can see what Portline would
answer for a place before relying on it (people were wrongly told they were outside).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portline.common import clock
from portline.geofence import engine
from portline.geofence.maps import HEIGHT as MAP_HEIGHT
from portline.geofence.maps import WIDTH as MAP_WIDTH
from portline.geofence.maps import policy_map_svg
from portline.geofence.messages import explain
from portline.geofence.models import ServiceAreaPolicy
from portline.geofence.selectors import (
    area_self_check,
    policy_by_version,
    policy_history,
    policy_in_force,
    state_name,
)

MEXICO_CITY = ZoneInfo("America/Mexico_City")
GROUPS = {engine.MEXICAN: _("Mexican nationals"), engine.OTHER: _("People of other nationalities")}


class AreaCheckForm(forms.Form):
    latitude = forms.FloatField(
        label=_("Latitude"), min_value=-90, max_value=90, help_text=_("Degrees north, e.g. 25.6866")
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        help_text=_("Degrees east; west is negative, e.g. -100.3161"),
    )
    accuracy = forms.FloatField(
        label=_("Accuracy in metres (optional)"),
        required=False,
        min_value=0.1,
        help_text=_("Your phone reports it with the location. Leave empty if you do not know it."),
    )
    group = forms.ChoiceField(
        label=_("Nationality"),
        choices=list(GROUPS.items()),
        initial=engine.OTHER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("latitude", "longitude", "accuracy"):
            self.fields[name].widget.input_type = "text"
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})


def _date_text(moment) -> str:
    """Dates of the area are Mexico City dates (versions start at local midnight)."""
    return moment.astimezone(MEXICO_CITY).date().isoformat()


def _maps(policy: ServiceAreaPolicy) -> list[dict]:
    nationals, others = set(policy.states_mexican_nationals), set(policy.states_others)
    groups = (
        [("all", nationals)]
        if nationals == others
        else [(engine.OTHER, others), (engine.MEXICAN, nationals)]
    )
    all_codes = engine.default_index().codes()
    result = []
    for group, codes in groups:
        result.append(
            {
                "group": group,
                "label": GROUPS.get(group, _("Everyone")),
                # The language in the URL: browsers' image caches ignore Vary, so a map seen in one
                # language would otherwise come back in that language after a switch.
                "url": reverse("area:map", kwargs={"version": policy.version, "group": group})
                + "?"
                + urlencode({"lang": get_language() or "en"}),
                "states": sorted(state_name(c) for c in codes),
                "outside": sorted(state_name(c) for c in all_codes - codes),
            }
        )
    return result


def area_index(request):
    now = clock.now()
    policy = policy_in_force(at=now)
    form = AreaCheckForm(request.GET if "latitude" in request.GET else None)
    outcome = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = area_self_check(
            latitude=data["latitude"],
            longitude=data["longitude"],
            accuracy_m=data["accuracy"],
            mexican=data["group"] == engine.MEXICAN,
            at=now,
        )
        outcome = {
            "result": result,
            "message": explain(
                verdict=result.verdict,
                state=result.state,
                nearest_state=result.nearest_state,
                distance_km=result.distance_km,
                accuracy_m=data["accuracy"],
            ),
            "state_name": state_name(result.state) if result.state else "",
        }
    versions = [
        {
            "policy": p,
            "from": _date_text(p.effective_from),
            "to": _date_text(p.effective_to) if p.effective_to else "",
        }
        for p in policy_history()
    ]
    context = {
        "policy": policy,
        "policy_from": _date_text(policy.effective_from) if policy else "",
        "maps": _maps(policy) if policy else [],
        "versions": versions,
        "form": form,
        "outcome": outcome,
        "band_m": int(engine.BOUNDARY_UNCERTAINTY_M),
        "max_accuracy_km": int(engine.MAX_ACCURACY_M / 1000),
        "map_width": MAP_WIDTH,
        "map_height": MAP_HEIGHT,
    }
    return render(request, "public/area_index.html", context)


def area_map(request, version: int, group: str):
    policy = policy_by_version(version)
    if policy is None or group not in ("all", engine.MEXICAN, engine.OTHER):
        raise Http404
    states = policy.states_mexican_nationals if group == engine.MEXICAN else policy.states_others
    svg = policy_map_svg(
        version=policy.version,
        effective_from_text=_date_text(policy.effective_from),
        states=frozenset(states),
        group=group,
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    patch_cache_control(response, public=True, max_age=600)
    return response
