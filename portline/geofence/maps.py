"""A map of the service area, drawn from the same state data the check uses, as a small SVG.

Eligible states are filled and hatched (not told apart by colour alone); every state is
labelled with its name. Text stays text in the SVG, so it can be read and searched. The output
is deterministic for the same input (no dates, fixed ids), so the docs' copies can be compared.

The map is for display only: the check itself always uses the full 1:10m lines (engine.py).
For display the states are simplified once per process as one coverage (neighbours keep a
shared line, so no slivers or gaps appear), to about one pixel, and written with one decimal
of a pixel: the drawing is some 25 KB instead of the 160 KB a plotting library writes, and
compresses to a third of that.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from xml.sax.saxutils import escape, quoteattr

import shapely

from portline.geofence.engine import default_index

ELIGIBLE_FILL = "#1b7f5f"
OUTSIDE_FILL = "#e6e6e6"
EDGE = "#333333"

# The frame drawn (degrees) and its size in pixels; longitude is scaled by cos(23.5°).
WEST, EAST, SOUTH, NORTH = -118.6, -86.4, 14.2, 33.0
WIDTH = 800
_COS = math.cos(math.radians(23.5))
SCALE = WIDTH / ((EAST - WEST) * _COS)  # pixels per degree of latitude
MAP_HEIGHT = round((NORTH - SOUTH) * SCALE)
TITLE_HEIGHT = 34
FOOT_HEIGHT = 26
HEIGHT = TITLE_HEIGHT + MAP_HEIGHT + FOOT_HEIGHT

# Drawing only: about one pixel at this size (1 px is about 0.037° of latitude).
DRAW_TOLERANCE_DEG = 0.03

# Small states get their label beside them (with a leader line) instead of inside.
_SMALL = {
    "MX-CMX": (-95.3, 22.0),
    "MX-TLA": (-95.3, 21.2),
    "MX-MOR": (-98.2, 18.2),
    "MX-AGU": (-103.9, 22.4),
    "MX-QUE": (-100.0, 21.8),
    "MX-COL": (-104.6, 18.6),
    "MX-HID": (-98.0, 21.2),
    "MX-MEX": (-100.6, 18.9),
}


def _xy(lon: float, lat: float) -> tuple[float, float]:
    return (lon - WEST) * _COS * SCALE, TITLE_HEIGHT + (NORTH - lat) * SCALE


def _ring_path(coords) -> str:
    """One closed ring as an SVG path: absolute start, then relative steps at 0.1 px."""
    points = [_xy(lon, lat) for lon, lat in coords[:-1]]
    tenths = [(round(x * 10), round(y * 10)) for x, y in points]
    steps: list[str] = []
    previous = tenths[0]
    for point in tenths[1:]:
        dx, dy = point[0] - previous[0], point[1] - previous[1]
        if dx or dy:
            steps.append(f"{_tenth(dx)} {_tenth(dy)}")
            previous = point
    if len(steps) < 2:
        return ""
    return f"M{_tenth(tenths[0][0])} {_tenth(tenths[0][1])}l" + " ".join(steps) + "z"


def _tenth(value: int) -> str:
    whole, rest = divmod(abs(value), 10)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{rest}" if rest else f"{sign}{whole}"


@cache
def display_paths() -> dict[str, str]:
    """Each state's outline as SVG path data: simplified as one coverage, computed once."""
    index = default_index()
    simplified = shapely.coverage_simplify(
        [state.lonlat for state in index.states], DRAW_TOLERANCE_DEG
    )
    paths: dict[str, str] = {}
    for state, geometry in zip(index.states, simplified, strict=True):
        parts = []
        for polygon in getattr(geometry, "geoms", [geometry]):
            if polygon.is_empty:
                continue
            for ring in (polygon.exterior, *polygon.interiors):
                parts.append(_ring_path(list(ring.coords)))
        paths[state.code] = "".join(p for p in parts if p)
    return paths


@cache
def _label_points() -> dict[str, tuple[float, float]]:
    return {
        state.code: _xy(*state.lonlat.representative_point().coords[0])
        for state in default_index().states
    }


def _text(x: float, y: float, text: str, *, size: float, cls: str = "") -> str:
    attributes = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{attributes}>{escape(text)}</text>'


@lru_cache(maxsize=32)
def area_svg(
    *,
    eligible: frozenset[str],
    title: str,
    legend_inside: str,
    legend_outside: str,
    caption: str = "",
) -> bytes:
    """The SVG bytes of one map. Cached: the inputs fully determine the output."""
    index = default_index()
    paths = display_paths()
    labels = _label_points()
    inside_paths = "".join(paths[s.code] for s in index.states if s.code in eligible)
    outside_paths = "".join(paths[s.code] for s in index.states if s.code not in eligible)
    out: list[str] = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        "<defs>",
        '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{ELIGIBLE_FILL}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="1.2"/></pattern>',
        "<style>"
        f"text{{font-family:DejaVu Sans,Arial,sans-serif;fill:#000;text-anchor:middle;"
        "dominant-baseline:central;paint-order:stroke;stroke:#fff;stroke-width:2.5px;"
        "stroke-linejoin:round}"
        ".l{text-anchor:start}.t{font-weight:bold}"
        f".s{{stroke:{EDGE};stroke-width:0.5;stroke-linejoin:round}}"
        "</style>",
        "</defs>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
        _text(WIDTH / 2, TITLE_HEIGHT / 2, title, size=15, cls="t"),
        f'<path class="s" fill="{OUTSIDE_FILL}" d="{outside_paths}"/>',
        f'<path class="s" fill="url(#hatch)" d="{inside_paths}"/>',
    ]
    for state in index.states:
        x, y = labels[state.code]
        if state.code in _SMALL:
            lx, ly = _xy(*_SMALL[state.code])
            out.append(
                f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{lx:.1f}" y2="{ly:.1f}" '
                f'stroke="{EDGE}" stroke-width="0.6"/>'
            )
            out.append(_text(lx, ly, state.name, size=8))
        else:
            out.append(_text(x, y, state.name, size=9))
    legend_y = TITLE_HEIGHT + MAP_HEIGHT - 44
    for row, (fill, label) in enumerate(
        (("url(#hatch)", legend_inside), (OUTSIDE_FILL, legend_outside))
    ):
        y = legend_y + row * 20
        out.append(
            f'<rect x="12" y="{y}" width="22" height="14" fill="{fill}" stroke="{EDGE}" '
            'stroke-width="0.6"/>'
        )
        out.append(_text(40, y + 7, label, size=11, cls="l"))
    if caption:
        out.append(_text(8, HEIGHT - FOOT_HEIGHT / 2, caption, size=9, cls="l"))
    out.append("</svg>\n")
    return "".join(out).encode()


def policy_map_svg(
    *, version: int, effective_from_text: str, states: frozenset[str], group: str
) -> bytes:
    """The translated map of one policy version for one nationality group ("mexican"/"other"/"all")."""
    from django.utils.translation import gettext as _

    who = {
        "mexican": _("Mexican nationals"),
        "other": _("people who are not Mexican nationals"),
    }.get(group, _("everyone"))
    title = _("Where requests are accepted: %(who)s (version %(version)s, from %(date)s)") % {
        "who": who,
        "version": version,
        "date": effective_from_text,
    }
    return area_svg(
        eligible=frozenset(states),
        title=title,
        legend_inside=_("Requests accepted"),
        legend_outside=_("Outside the area"),
        caption=_(
            "State lines: Natural Earth 1:10m (public domain). Near a line, the location's accuracy decides (see the rules)."
        ),
    )
