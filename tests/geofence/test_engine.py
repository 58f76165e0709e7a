"""The pure check: known places under each policy version, the border band, bad input."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portline.geofence import engine
from portline.geofence.engine import Verdict
from tests.factories.geofence import PLACES

V1_AT = dt.datetime(2024, 1, 15, 18, tzinfo=dt.UTC)
V2_AT = dt.datetime(2025, 1, 15, 18, tzinfo=dt.UTC)
IN, OUT, NOT_MX, BAND = (
    Verdict.INSIDE,
    Verdict.OUTSIDE,
    Verdict.OUTSIDE_MEXICO,
    Verdict.INSIDE_BORDER_BAND,
)

# place: (state, v1 others, v1 Mexican nationals, v2 others, v2 Mexican nationals)
EXPECTED = {
    "tijuana": ("MX-BCN", IN, IN, IN, IN),
    "monterrey": ("MX-NLE", IN, IN, IN, IN),
    "mexico_city": ("MX-CMX", IN, IN, IN, IN),
    "puebla": ("MX-PUE", IN, IN, IN, IN),
    "oaxaca": ("MX-OAX", OUT, OUT, OUT, IN),
    "veracruz": ("MX-VER", OUT, OUT, OUT, IN),
    "acapulco": ("MX-GRO", OUT, OUT, OUT, IN),
    "villahermosa": ("MX-TAB", OUT, OUT, IN, IN),
    "tapachula": ("MX-CHP", OUT, OUT, IN, IN),
    "cancun": ("MX-ROO", OUT, OUT, OUT, IN),
    "gulf": ("", NOT_MX, NOT_MX, NOT_MX, NOT_MX),
    "guatemala_city": ("", NOT_MX, NOT_MX, NOT_MX, NOT_MX),
    "el_paso_airport": ("", NOT_MX, NOT_MX, NOT_MX, NOT_MX),
    # Downtown El Paso is 0.5 km from the line as Natural Earth draws it at 1:10m: inside the
    # border band, so accepted (and flagged for review). Documented in docs/geofence.md.
    "el_paso_downtown": ("MX-CHH", BAND, BAND, BAND, BAND),
}
CASES = [
    (place, at, version, nationality, expected[column])
    for place, expected in EXPECTED.items()
    for column, (at, version, nationality) in enumerate(
        [(V1_AT, 1, "HN"), (V1_AT, 1, "MX"), (V2_AT, 2, "HN"), (V2_AT, 2, "MX")], start=1
    )
]


def _check(place_or_point, *, at, nationality="HN", accuracy_m=25.0, policies):
    lat, lon = PLACES[place_or_point] if isinstance(place_or_point, str) else place_or_point
    return engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=accuracy_m,
        nationalities=[nationality],
        at=at,
        policies=policies,
    )


@pytest.mark.parametrize(("place", "at", "version", "nationality", "verdict"), CASES)
def test_known_places_under_each_policy_version(policies, place, at, version, nationality, verdict):
    result = _check(place, at=at, nationality=nationality, policies=policies)
    assert result.verdict == verdict
    assert result.state == EXPECTED[place][0]
    assert result.policy_version == version
    if verdict == IN:
        assert result.distance_km == 0
    else:
        assert result.nearest_state in engine.eligible_states(policies[version - 1], result.groups)
        assert result.distance_km is not None and result.distance_km >= 0


def test_outside_gives_the_nearest_eligible_state_and_a_plausible_distance(policies):
    oaxaca = _check("oaxaca", at=V1_AT, policies=policies)
    assert (oaxaca.nearest_state, oaxaca.state) == ("MX-PUE", "MX-OAX")
    assert 100 < oaxaca.distance_km < 140  # Oaxaca city to the Puebla line: about 120 km
    lat, lon = oaxaca.nearest_latitude, oaxaca.nearest_longitude
    assert engine.default_index().by_code["MX-PUE"].lonlat.distance(shapely.Point(lon, lat)) < 0.01
    guatemala = _check("guatemala_city", at=V2_AT, policies=policies)
    assert guatemala.nearest_state == "MX-CHP" and 100 < guatemala.distance_km < 250


def test_the_policy_in_force_at_the_time_is_used_not_todays(policies):
    just_before = dt.datetime(2024, 8, 23, 5, 59, 59, tzinfo=dt.UTC)
    just_after = dt.datetime(2024, 8, 23, 6, 0, tzinfo=dt.UTC)
    before = _check("tapachula", at=just_before, policies=policies)
    after = _check("tapachula", at=just_after, policies=policies)
    assert (before.verdict, before.policy_version) == (OUT, 1)
    assert (after.verdict, after.policy_version) == (IN, 2)


def test_before_the_first_version_there_is_no_area(policies):
    result = _check("tijuana", at=dt.datetime(2022, 12, 31, tzinfo=dt.UTC), policies=policies)
    assert result.verdict == Verdict.NO_POLICY and not result.accepted


def test_a_mixed_group_gets_the_area_open_to_everyone_in_it(policies):
    lat, lon = PLACES["oaxaca"]
    alone = engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=20,
        nationalities=["MX"],
        at=V2_AT,
        policies=policies,
    )
    mixed = engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=20,
        nationalities=["MX", "HN"],
        at=V2_AT,
        policies=policies,
    )
    assert alone.verdict == IN
    assert mixed.verdict == OUT and mixed.groups == ("mexican", "other")
    unknown = engine.check(
        latitude=lat, longitude=lon, accuracy_m=20, nationalities=[""], at=V2_AT, policies=policies
    )
    assert unknown.groups == ("other",)


@pytest.mark.parametrize(
    ("latitude", "longitude", "accuracy", "verdict"),
    [
        (float("nan"), -99.0, 20, Verdict.INVALID),
        (19.4, float("inf"), 20, Verdict.INVALID),
        (91.0, -99.0, 20, Verdict.INVALID),
        (19.4, -181.0, 20, Verdict.INVALID),
        ("19.4", "west", 20, Verdict.INVALID),
        (None, -99.0, 20, Verdict.INVALID),
        (19.4, -99.1, 0, Verdict.INVALID),
        (19.4, -99.1, -5, Verdict.INVALID),
        (19.4, -99.1, float("nan"), Verdict.INVALID),
        (19.4, -99.1, 5_000.1, Verdict.IMPRECISE),
        (19.4, -99.1, 1e9, Verdict.IMPRECISE),
    ],
)
def test_bad_input_gets_its_own_verdict(policies, latitude, longitude, accuracy, verdict):
    result = engine.check(
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy,
        nationalities=["HN"],
        at=V2_AT,
        policies=policies,
    )
    assert result.verdict == verdict and not result.accepted and result.policy_version is None


def _point_at_distance_outside(
    code_inside: str, place_outside: str, metres: float
) -> tuple[float, float]:
    """A point `metres` from state `code_inside`, on the segment from a place outside it to
    that place's nearest point in the state (every point of that segment has the same
    nearest point, so its distance is exact), instead of a hard-coded coordinate."""
    index = engine.default_index()
    inside = index.by_code[code_inside].geometry
    lat, lon = PLACES[place_outside]
    x, y = engine.project(lon, lat)
    start = shapely.Point(float(x), float(y))
    nearest = shapely.get_coordinates(shapely.shortest_line(start, inside))[1]
    direction = np.array([start.x, start.y]) - nearest
    direction /= np.hypot(*direction)
    guess = nearest + direction * metres
    k = engine.scale_factor(float(engine.unproject(*guess)[1]))
    px, py = nearest + direction * metres * k
    lon_out, lat_out = engine.unproject(px, py)
    return float(lat_out), float(lon_out)


@pytest.mark.parametrize(
    ("metres", "accuracy", "verdict"),
    [
        (300, 20, BAND),  # within 20 m + 1 km of Puebla
        (900, 50, BAND),
        (1_500, 600, BAND),  # accuracy widens the band: 600 m + 1 km
        (1_500, 20, OUT),  # beyond 20 m + 1 km
        (3_000, 1_000, OUT),
        (5_500, 4_900, BAND),
    ],
)
def test_border_band_rule(policies, metres, accuracy, verdict):
    lat, lon = _point_at_distance_outside("MX-PUE", "oaxaca", metres)
    result = engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=accuracy,
        nationalities=["HN"],
        at=V1_AT,
        policies=policies,
    )
    assert result.state == "MX-OAX"
    assert result.verdict == verdict
    assert result.distance_km == pytest.approx(metres / 1000, abs=0.06)
    assert result.band_m == accuracy + engine.BOUNDARY_UNCERTAINTY_M


def test_unknown_accuracy_uses_the_default(policies):
    lat, lon = _point_at_distance_outside("MX-PUE", "oaxaca", 1_800)
    result = engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=None,
        nationalities=["HN"],
        at=V1_AT,
        policies=policies,
    )
    assert (
        result.band_m == engine.DEFAULT_ACCURACY_M + engine.BOUNDARY_UNCERTAINTY_M
        and result.verdict == BAND
    )


def test_projection_round_trips_and_distances_are_great_circle():
    x, y = engine.project(-99.1332, 19.4326)
    lon, lat = engine.unproject(x, y)
    assert (float(lat), float(lon)) == pytest.approx((19.4326, -99.1332), abs=1e-9)
    assert engine.great_circle_m(0, 0, 1, 0) == pytest.approx(
        111_195, abs=1
    )  # one degree of latitude
    assert engine.great_circle_m(19.4326, -99.1332, 25.6866, -100.3161) / 1000 == pytest.approx(
        706, rel=0.01
    )
    for lat in (15.0, 23.0, 32.0):
        assert 0.97 < engine.scale_factor(lat) < 1.04


def test_check_many_agrees_with_check(policies):
    rng = np.random.default_rng(20240823)
    lats = rng.uniform(14.0, 33.0, 400)
    lons = rng.uniform(-118.0, -86.0, 400)
    accs = rng.choice([10.0, 100.0, np.nan, 2000.0], 400)
    eligible = policies[0].states_others
    accepted, _state = engine.check_many(lats, lons, accs, eligible=eligible)
    for i in range(400):
        one = engine.check(
            latitude=lats[i],
            longitude=lons[i],
            accuracy_m=None if np.isnan(accs[i]) else accs[i],
            nationalities=["HN"],
            at=V1_AT,
            policies=policies,
        )
        if (
            one.distance_km is not None
            and one.band_m is not None
            and abs(one.distance_km * 1000 - one.band_m) < 50
        ):
            continue  # within 50 m of the band's edge the two distance methods may differ by metres
        assert bool(accepted[i]) == one.accepted, (lats[i], lons[i], accs[i], one)


# Properties -------------------------------------------------------------------------------

MEXICO_LAT = st.floats(14.0, 33.0, allow_nan=False)
MEXICO_LON = st.floats(-118.0, -86.0, allow_nan=False)
ACCURACY = st.floats(1.0, engine.MAX_ACCURACY_M, allow_nan=False)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lat=MEXICO_LAT, lon=MEXICO_LON, small=ACCURACY, large=ACCURACY)
def test_property_worse_accuracy_never_turns_acceptance_into_refusal(
    policies, lat, lon, small, large
):
    small, large = min(small, large), max(small, large)
    precise = engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=small,
        nationalities=["HN"],
        at=V1_AT,
        policies=policies,
    )
    vague = engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=large,
        nationalities=["HN"],
        at=V1_AT,
        policies=policies,
    )
    assert not precise.accepted or vague.accepted


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lat=MEXICO_LAT, lon=MEXICO_LON, accuracy=ACCURACY, at=st.sampled_from([V1_AT, V2_AT]))
def test_property_mexican_nationals_are_never_worse_off_and_results_repeat(
    policies, lat, lon, accuracy, at
):
    other = engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=accuracy,
        nationalities=["GT"],
        at=at,
        policies=policies,
    )
    mexican = engine.check(
        latitude=lat,
        longitude=lon,
        accuracy_m=accuracy,
        nationalities=["MX"],
        at=at,
        policies=policies,
    )
    assert not other.accepted or mexican.accepted
    assert (
        engine.check(
            latitude=lat,
            longitude=lon,
            accuracy_m=accuracy,
            nationalities=["GT"],
            at=at,
            policies=policies,
        )
        == other
    )


@settings(max_examples=200, deadline=None)
@given(lat=MEXICO_LAT, lon=MEXICO_LON)
def test_property_state_found_matches_a_plain_shapely_lookup_away_from_lines(lat, lon):
    index = engine.default_index()
    point = shapely.Point(lon, lat)
    naive = [s.code for s in index.states if s.lonlat.contains(point)]
    near_line = any(s.lonlat.boundary.distance(point) < 0.001 for s in index.states)  # ~100 m
    x, y = engine.project(lon, lat)
    found = index.state_at(shapely.Point(float(x), float(y)))
    if not near_line:
        assert (found.code if found else None) == (naive[0] if naive else None)
    assert math.isfinite(float(x)) and math.isfinite(float(y))
