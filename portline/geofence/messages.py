"""What a person is told about a verdict, translated. One place for every wording."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portline.geofence.engine import Verdict
from portline.geofence.selectors import state_name


def _km(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def explain(
    *,
    verdict: str,
    state: str = "",
    nearest_state: str = "",
    distance_km: float | None = None,
    accuracy_m: float | None = None,
    mixed_group: bool = False,
    declared: bool = False,
) -> str:
    nearest = ""
    if (
        nearest_state
        and distance_km is not None
        and verdict in (Verdict.OUTSIDE, Verdict.OUTSIDE_MEXICO)
    ):
        nearest = " " + _(
            "The nearest place where requests are accepted is in %(nearest)s, about %(km)s km away."
        ) % {
            "nearest": state_name(nearest_state),
            "km": _km(distance_km),
        }
    group = ""
    if mixed_group and verdict in (Verdict.OUTSIDE, Verdict.OUTSIDE_MEXICO):
        group = " " + _(
            "In a group with Mexican nationals and people of other nationalities, the area open to everyone in the group applies."
        )
    if verdict == Verdict.INSIDE:
        return _("This location is in %(state)s, inside the area where requests are accepted.") % {
            "state": state_name(state)
        }
    if verdict == Verdict.INSIDE_BORDER_BAND:
        return _(
            "This location is close to the edge of the area where requests are accepted, within the uncertainty of the location and of the map, so it is accepted."
        )
    if verdict == Verdict.OUTSIDE and declared:
        return (
            _(
                "You chose a place in %(state)s, which is outside the area where requests are accepted. Nothing was stored."
            )
            % {"state": state_name(state)}
            + group
        )
    if verdict == Verdict.DECLARED:
        return _(
            "You chose a place in %(state)s, inside the area where requests are accepted. It was not checked."
        ) % {"state": state_name(state)}
    if verdict == Verdict.OUTSIDE:
        return (
            _(
                "Your location appears to be in %(state)s, which is outside the area where requests are accepted."
            )
            % {"state": state_name(state)}
            + nearest
            + group
        )
    if verdict == Verdict.OUTSIDE_MEXICO:
        return (
            _(
                "Your location does not appear to be in Mexico: it may be at sea or in another country. Requests are accepted only from inside the service area in Mexico."
            )
            + nearest
            + group
        )
    if verdict == "not_given":
        return _(
            "We need your location to accept this. Allow this site to use your location (in your browser or phone settings) and try again. If you cannot, a partner organization can help you."
        )
    if verdict == Verdict.IMPRECISE:
        return _(
            "Your location is too imprecise (about %(km)s km). Turn on precise location, wait a moment near a window or outdoors, and try again."
        ) % {"km": _km((accuracy_m or 0) / 1000)}
    if verdict == Verdict.NO_POLICY:
        return _(
            "No service area is in force at this time, so nothing can be accepted from any location."
        )
    return _("We could not read your location. Please check the numbers and try again.")


ERROR_CODES = {
    Verdict.OUTSIDE: "outside_service_area",
    Verdict.OUTSIDE_MEXICO: "outside_mexico",
    "not_given": "location_required",
    Verdict.IMPRECISE: "location_imprecise",
    Verdict.NO_POLICY: "no_service_area",
    Verdict.INVALID: "location_invalid",
}
