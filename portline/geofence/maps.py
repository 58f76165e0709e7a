"""A map of the service area, drawn from the same state data the check uses (matplotlib, SVG).

Eligible states are filled and hatched (not told apart by colour alone); every state is
labelled with its name. Text stays text in the SVG, so it can be read and searched. The output
is deterministic for the same input (no dates, fixed ids), so the docs' copies can be compared.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from portline.geofence.engine import default_index

ELIGIBLE_FILL = "#1b7f5f"
OUTSIDE_FILL = "#e6e6e6"
EDGE = "#333333"
# Small states get their postal-style label beside them instead of inside.
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


# Drawing only: 0.01° (about 1 km) is below one pixel at this size, and cuts the file tenfold.
DRAW_TOLERANCE_DEG = 0.01


def _path(geometry) -> MplPath:
    vertices, codes = [], []
    geometry = geometry.simplify(DRAW_TOLERANCE_DEG, preserve_topology=True)
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            coords = list(ring.coords)
            vertices.extend(coords)
            codes.extend(
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
            )
    return MplPath(vertices, codes)


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
    figure = Figure(figsize=(8, 5.6))
    axes = figure.add_axes((0.01, 0.06, 0.98, 0.86))
    for state in index.states:
        inside = state.code in eligible
        axes.add_patch(
            PathPatch(
                _path(state.lonlat),
                facecolor=ELIGIBLE_FILL if inside else OUTSIDE_FILL,
                edgecolor=EDGE,
                linewidth=0.4,
                hatch="////" if inside else None,
            )
        )
    for state in index.states:
        inside = state.code in eligible
        if state.code in _SMALL:
            x, y = _SMALL[state.code]
            point = state.lonlat.representative_point()
            axes.annotate(
                state.name,
                xy=(point.x, point.y),
                xytext=(x, y),
                fontsize=5.5,
                ha="center",
                va="center",
                arrowprops={"arrowstyle": "-", "linewidth": 0.4, "color": EDGE},
                bbox={
                    "boxstyle": "round,pad=0.15",
                    "facecolor": "white",
                    "edgecolor": "none",
                    "alpha": 0.85,
                },
            )
            continue
        point = state.lonlat.representative_point()
        axes.text(
            point.x,
            point.y,
            state.name,
            fontsize=6,
            ha="center",
            va="center",
            color="black",
            bbox={
                "boxstyle": "round,pad=0.15",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85 if inside else 0.6,
            },
        )
    axes.set_xlim(-118.6, -86.4)
    axes.set_ylim(14.2, 33.0)
    axes.set_aspect(1 / math.cos(math.radians(23.5)))
    axes.set_axis_off()
    figure.suptitle(title, fontsize=11)
    axes.legend(
        handles=[
            Patch(facecolor=ELIGIBLE_FILL, edgecolor=EDGE, hatch="////", label=legend_inside),
            Patch(facecolor=OUTSIDE_FILL, edgecolor=EDGE, label=legend_outside),
        ],
        loc="lower left",
        fontsize=8,
        frameon=True,
    )
    if caption:
        figure.text(0.01, 0.015, caption, fontsize=6.5, color="#333333")
    buffer = io.BytesIO()
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "portline-geofence", "hatch.color": "white"}
    ):
        figure.savefig(
            buffer,
            format="svg",
            bbox_inches="tight",
            pad_inches=0.05,
            metadata={"Date": None, "Creator": "Portline (matplotlib)"},
        )
    return buffer.getvalue()


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
