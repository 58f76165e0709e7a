"""The service-area check as a pure function: plain data in, plain data out.

No ORM, no clock, no translation: callers pass the time and the policy versions, and turn the
verdict code into a message. Same input, same output, on every machine.

Geometry: the state polygons (Natural Earth 1:10m, see data/SOURCE.md) are projected once into
a Lambert conformal conic projection for Mexico (INEGI's parameters: standard parallels 17.5°N
and 29.5°N, origin 12°N 102°W, on a sphere), so that point-in-polygon tests and distances are
in metres. A conformal projection keeps local distances exact up to one scale factor k (0.99 to
1.03 over Mexico), which the band test corrects for; distances reported to people are
great-circle distances between the point and the nearest eligible point.

The border-band rule (deterministic, documented in docs/geofence.md):
    band_m = accuracy_m + BOUNDARY_UNCERTAINTY_M   (accuracy unknown: DEFAULT_ACCURACY_M)
    d = distance from the point to the eligible area (0 when inside it)
    d == 0            -> INSIDE
    0 < d <= band_m   -> INSIDE_BORDER_BAND  (accepted: the person may well be inside; a wrong
                         refusal costs them their chance, a wrong acceptance is caught later)
    d > band_m        -> OUTSIDE (a Mexican state was found within the band) or OUTSIDE_MEXICO
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import shape

ENGINE_VERSION = "1"
DATA_FILE = Path(__file__).resolve().parent / "data" / "mexico_states.geojson"
PLACES_FILE = Path(__file__).resolve().parent / "data" / "mexico_cities.json"

# The generalised 1:10m lines may be off by up to about 1 km (data/SOURCE.md).
BOUNDARY_UNCERTAINTY_M = 1_000.0
# A phone that gives no accuracy is treated as a typical network fix.
DEFAULT_ACCURACY_M = 1_000.0
# Beyond this the fix says little about the state (iOS "approximate location" is 3-9 km).
MAX_ACCURACY_M = 5_000.0
EARTH_RADIUS_M = 6_371_008.8

# Natural Earth's extra feature for Arrecife Alacranes belongs to Yucatán.
_FEATURE_STATE = {"MX-X01~": "MX-YUC"}

MEXICAN = "mexican"
OTHER = "other"
NATIONALITY_GROUPS = (MEXICAN, OTHER)


class Verdict:
    INSIDE = "inside"
    INSIDE_BORDER_BAND = "inside_border_band"
    OUTSIDE = "outside"
    OUTSIDE_MEXICO = "outside_mexico"
    NO_POLICY = "no_policy"
    INVALID = "invalid"
    IMPRECISE = "imprecise"
    # A place the person chose from the list (no location check): judged by its state alone.
    DECLARED = "declared"

    ACCEPTED = frozenset({INSIDE, INSIDE_BORDER_BAND})


@dataclass(frozen=True)
class PolicyData:
    """One version of the service area. `effective_to` is exclusive; None: open-ended."""

    version: int
    effective_from: dt.datetime
    effective_to: dt.datetime | None
    states_mexican_nationals: frozenset[str]
    states_others: frozenset[str]

    def in_force(self, at: dt.datetime) -> bool:
        return self.effective_from <= at and (self.effective_to is None or at < self.effective_to)

    def states_for(self, group: str) -> frozenset[str]:
        return self.states_mexican_nationals if group == MEXICAN else self.states_others


@dataclass(frozen=True)
class CheckResult:
    verdict: str
    state: str = ""  # ISO 3166-2 code of the state the point is in (or nearest, within the band)
    policy_version: int | None = None
    distance_km: float | None = None  # to the nearest eligible area; 0 when inside
    nearest_state: str = ""  # the eligible state nearest to the point (when not inside)
    nearest_latitude: float | None = None
    nearest_longitude: float | None = None
    band_m: float | None = None
    groups: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.verdict in Verdict.ACCEPTED


# Projection -----------------------------------------------------------------------------

_PHI1, _PHI2, _PHI0, _LAM0 = (math.radians(v) for v in (17.5, 29.5, 12.0, -102.0))
_N = math.log(math.cos(_PHI1) / math.cos(_PHI2)) / math.log(
    math.tan(math.pi / 4 + _PHI2 / 2) / math.tan(math.pi / 4 + _PHI1 / 2)
)
_F = math.cos(_PHI1) * math.tan(math.pi / 4 + _PHI1 / 2) ** _N / _N
_RHO0 = EARTH_RADIUS_M * _F / math.tan(math.pi / 4 + _PHI0 / 2) ** _N


def project(lon, lat):
    """Lon/lat degrees (scalars or arrays) to metres in the Mexico LCC projection."""
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    rho = EARTH_RADIUS_M * _F / np.tan(np.pi / 4 + phi / 2) ** _N
    theta = _N * (lam - _LAM0)
    return rho * np.sin(theta), _RHO0 - rho * np.cos(theta)


def project_point(lon: float, lat: float) -> tuple[float, float]:
    """`project` for one point, without numpy's per-call overhead."""
    phi = math.radians(lat)
    rho = EARTH_RADIUS_M * _F / math.tan(math.pi / 4 + phi / 2) ** _N
    theta = _N * (math.radians(lon) - _LAM0)
    return rho * math.sin(theta), _RHO0 - rho * math.cos(theta)


def unproject(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    rho = np.hypot(x, _RHO0 - y)
    theta = np.arctan2(x, _RHO0 - y)
    phi = 2 * np.arctan((EARTH_RADIUS_M * _F / rho) ** (1 / _N)) - np.pi / 2
    return np.degrees(_LAM0 + theta / _N), np.degrees(phi)


def scale_factor(lat: float) -> float:
    phi = math.radians(lat)
    rho = EARTH_RADIUS_M * _F / math.tan(math.pi / 4 + phi / 2) ** _N
    return _N * rho / (EARTH_RADIUS_M * math.cos(phi))


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# State index ----------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    code: str
    name: str
    geometry: shapely.Geometry  # projected, prepared
    lonlat: shapely.Geometry  # as in the data file, for maps


class StateIndex:
    """The states, an STRtree over them, and prepared geometries. Build once; read-only."""

    def __init__(self, features: Iterable[dict]):
        parts: dict[str, list] = {}
        names: dict[str, str] = {}
        for feature in features:
            props = feature["properties"]
            code = (
                _FEATURE_STATE.get(props["iso_3166_2"])
                or props.get("iso_3166_2_current")
                or props["iso_3166_2"]
            )
            parts.setdefault(code, []).append(shape(feature["geometry"]))
            if props.get("name_current"):
                names[code] = props["name_current"]
        states = []
        for code in sorted(parts):
            lonlat = shapely.union_all(parts[code]) if len(parts[code]) > 1 else parts[code][0]
            projected = shapely.transform(
                lonlat, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1]))
            )
            shapely.prepare(projected)
            states.append(
                State(code=code, name=names.get(code, code), geometry=projected, lonlat=lonlat)
            )
        self.states: tuple[State, ...] = tuple(states)
        self.by_code = {s.code: s for s in self.states}
        self.geometries = np.array([s.geometry for s in self.states], dtype=object)
        self.tree = STRtree(self.geometries)
        self.bounds = shapely.bounds(self.geometries)
        self.mexico = shapely.union_all(self.geometries)
        shapely.prepare(self.mexico)

    def state_at(self, point: shapely.Point) -> State | None:
        for i in self.tree.query(point):
            if self.geometries[i].contains(point):
                return self.states[i]
        return None

    def nearest_state(self, point: shapely.Point, within_m: float | None = None) -> State | None:
        if within_m is not None and not shapely.dwithin(self.mexico, point, within_m):
            return None  # the prepared outline answers "nothing near" cheaply
        found = nearest_of(self.states, self.bounds, point)
        return found[0] if found and (within_m is None or found[1] <= within_m) else None

    def codes(self) -> frozenset[str]:
        return frozenset(self.by_code)

    @cache  # noqa: B019 -- the index lives for the whole process; the cache is its own
    def area(self, codes: frozenset[str]) -> EligibleArea:
        return EligibleArea(self, codes)


def nearest_of(
    states: Sequence[State], bounds: np.ndarray, point: shapely.Point
) -> tuple[State, float] | None:
    """The state nearest to a point and the (projected) distance: states in order of their
    bounding box's distance, stopping when no box can be nearer than the best found. The
    same answer as STRtree.query_nearest, several times faster for one point."""
    if not len(states):
        return None
    dx = np.maximum(np.maximum(bounds[:, 0] - point.x, 0.0), point.x - bounds[:, 2])
    dy = np.maximum(np.maximum(bounds[:, 1] - point.y, 0.0), point.y - bounds[:, 3])
    box_distance = np.hypot(dx, dy)
    best: tuple[State, float] | None = None
    for i in np.argsort(box_distance, kind="stable"):
        if best is not None and box_distance[i] > best[1]:
            break
        distance = shapely.distance(states[i].geometry, point)
        if best is None or distance < best[1]:
            best = (states[i], float(distance))
    return best


class EligibleArea:
    """The union of some states, prepared, with its own tree for the nearest-state answer."""

    def __init__(self, index: StateIndex, codes: frozenset[str]):
        self.codes = codes
        members = [index.by_code[c] for c in sorted(codes) if c in index.by_code]
        self.states = tuple(members)
        self.geometry = (
            shapely.union_all([m.geometry for m in members]) if members else shapely.Polygon()
        )
        shapely.prepare(self.geometry)
        self.tree = STRtree([m.geometry for m in members]) if members else None
        self.bounds = (
            shapely.bounds(np.array([m.geometry for m in members], dtype=object))
            if members
            else np.empty((0, 4))
        )
        # Grown by the widest band any accepted accuracy can give (scale factor <= 1.04 here):
        # outside this, no point can be within its band, so batch checks skip the distance.
        widest = (MAX_ACCURACY_M + BOUNDARY_UNCERTAINTY_M) * 1.05
        self.outer = self.geometry.buffer(widest, quad_segs=4) if members else shapely.Polygon()
        shapely.prepare(self.outer)


@cache
def default_index() -> StateIndex:
    return StateIndex(json.loads(DATA_FILE.read_text(encoding="utf-8"))["features"])


# The check ------------------------------------------------------------------------------


def nationality_groups(nationalities: Iterable[str]) -> tuple[str, ...]:
    """The nationality groups present. Nobody known: the stricter group ("other")."""
    groups = {MEXICAN if (n or "").upper() == "MX" else OTHER for n in nationalities if n}
    return tuple(sorted(groups)) or (OTHER,)


def policy_in_force(policies: Sequence[PolicyData], at: dt.datetime) -> PolicyData | None:
    found = [p for p in policies if p.in_force(at)]
    return max(found, key=lambda p: p.effective_from) if found else None


def eligible_states(policy: PolicyData, groups: Iterable[str]) -> frozenset[str]:
    """A group travels as one unit: a place is eligible only if it is for every member."""
    sets = [policy.states_for(g) for g in groups]
    return frozenset.intersection(*sets) if sets else frozenset()


def validate_input(latitude, longitude, accuracy_m) -> str | None:
    """None when usable; else the verdict code for malformed or absurd input."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return Verdict.INVALID
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (
        -90 <= lat <= 90 and -180 <= lon <= 180
    ):
        return Verdict.INVALID
    if accuracy_m is not None:
        try:
            acc = float(accuracy_m)
        except (TypeError, ValueError):
            return Verdict.INVALID
        if not math.isfinite(acc) or acc <= 0:
            return Verdict.INVALID
        if acc > MAX_ACCURACY_M:
            return Verdict.IMPRECISE
    return None


def band_for(accuracy_m: float | None) -> float:
    return (
        DEFAULT_ACCURACY_M if accuracy_m is None else float(accuracy_m)
    ) + BOUNDARY_UNCERTAINTY_M


def check(
    *,
    latitude: float,
    longitude: float,
    accuracy_m: float | None,
    nationalities: Iterable[str],
    at: dt.datetime,
    policies: Sequence[PolicyData],
    index: StateIndex | None = None,
) -> CheckResult:
    """Judge one point: verdict, state found, policy version, distance to the nearest eligible area."""
    groups = nationality_groups(nationalities)
    problem = validate_input(latitude, longitude, accuracy_m)
    if problem:
        return CheckResult(verdict=problem, groups=groups)
    policy = policy_in_force(policies, at)
    if policy is None:
        return CheckResult(verdict=Verdict.NO_POLICY, groups=groups)
    index = index or default_index()
    lat, lon = float(latitude), float(longitude)
    band = band_for(accuracy_m)
    point = shapely.Point(*project_point(lon, lat))
    band_projected = band * scale_factor(lat)
    area = index.area(eligible_states(policy, groups))

    state = index.state_at(point)
    inside_state = state is not None
    if state is None:
        state = index.nearest_state(point, within_m=band_projected)
    base = functools.partial(
        CheckResult,
        policy_version=policy.version,
        band_m=band,
        groups=groups,
        state=state.code if state else "",
    )
    if inside_state and state is not None and state.code in area.codes:
        return base(verdict=Verdict.INSIDE, distance_km=0.0, nearest_state=state.code)
    if not area.states:
        verdict = Verdict.OUTSIDE if state is not None else Verdict.OUTSIDE_MEXICO
        return base(verdict=verdict)
    if area.geometry.contains(point):  # on a shared line between two eligible states
        return base(verdict=Verdict.INSIDE, distance_km=0.0)
    in_band = shapely.dwithin(area.geometry, point, band_projected)  # prepared: the verdict
    found = nearest_of(area.states, area.bounds, point)
    assert found is not None
    nearest, _distance = found
    near_xy = shapely.get_coordinates(shapely.shortest_line(point, nearest.geometry))[1]
    near_lon, near_lat = (float(v) for v in unproject(near_xy[0], near_xy[1]))
    distance_m = great_circle_m(lat, lon, near_lat, near_lon)
    if in_band:
        verdict = Verdict.INSIDE_BORDER_BAND
    elif state is None:
        verdict = Verdict.OUTSIDE_MEXICO
    else:
        verdict = Verdict.OUTSIDE
    return base(
        verdict=verdict,
        distance_km=round(distance_m / 1000, 1),
        nearest_state=nearest.code,
        nearest_latitude=round(near_lat, 5),
        nearest_longitude=round(near_lon, 5),
    )


# Declared places ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A city a person may declare when no location can be checked (data/mexico_cities.json)."""

    state: str
    city: str
    latitude: float
    longitude: float


@cache
def places() -> tuple[Place, ...]:
    rows = json.loads(PLACES_FILE.read_text(encoding="utf-8"))
    return tuple(Place(r["state"], r["city"], r["latitude"], r["longitude"]) for r in rows)


def check_declared(
    *,
    state: str,
    city: str,
    nationalities: Iterable[str],
    at: dt.datetime,
    policies: Sequence[PolicyData],
    index: StateIndex | None = None,
) -> CheckResult:
    """Judge a declared place (a state, and a city of the list or "" for elsewhere in it) by
    the policy in force: DECLARED when its state is open to every member, else OUTSIDE.
    Nothing is measured, so nothing near an edge is given the benefit of the doubt."""
    groups = nationality_groups(nationalities)
    index = index or default_index()
    known = state in index.by_code and (
        not city or any(p.state == state and p.city == city for p in places())
    )
    if not known:
        return CheckResult(verdict=Verdict.INVALID, groups=groups)
    policy = policy_in_force(policies, at)
    if policy is None:
        return CheckResult(verdict=Verdict.NO_POLICY, groups=groups)
    eligible = eligible_states(policy, groups)
    verdict = Verdict.DECLARED if state in eligible else Verdict.OUTSIDE
    return CheckResult(verdict=verdict, state=state, policy_version=policy.version, groups=groups)


def check_many(
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    accuracies_m: np.ndarray,
    *,
    eligible: frozenset[str],
    index: StateIndex | None = None,
    with_state: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Vectorised verdicts for many points against one eligible area (screening, maps, the
    benchmark): the same rule as `check`, without the per-point Python. Returns (accepted,
    index of the state each point is in or -1 when `with_state`, else None).

    Steps: prepared containment in the eligible area; for the rest, prepared containment in
    the area grown by the largest possible band, which leaves only the few points near an
    edge for the exact distance test against their own band."""
    index = index or default_index()
    area = index.area(eligible)
    latitudes = np.asarray(latitudes, dtype=float)
    x, y = project(longitudes, latitudes)
    phi = np.radians(latitudes)
    k = (
        _N
        * (EARTH_RADIUS_M * _F / np.tan(np.pi / 4 + phi / 2) ** _N)
        / (EARTH_RADIUS_M * np.cos(phi))
    )
    accuracies = np.asarray(accuracies_m, dtype=float)
    band = (
        np.where(np.isnan(accuracies), DEFAULT_ACCURACY_M, accuracies) + BOUNDARY_UNCERTAINTY_M
    ) * k
    accepted = shapely.contains_xy(area.geometry, x, y)
    rest = np.flatnonzero(~accepted)
    if len(rest):
        near = rest[shapely.contains_xy(area.outer, x[rest], y[rest])]
        if len(near):
            accepted[near] = shapely.dwithin(
                area.geometry, shapely.points(x[near], y[near]), band[near]
            )
    if not with_state:
        return accepted, None
    # Each state's bounding box (from the tree's own boxes) picks candidates; its prepared
    # polygon decides.
    state_of = np.full(len(x), -1, dtype=np.int64)
    for j, (x0, y0, x1, y1) in enumerate(index.bounds):
        candidates = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        hit = shapely.contains_xy(index.geometries[j], x[candidates], y[candidates])
        state_of[candidates[hit]] = j
    return accepted, state_of
