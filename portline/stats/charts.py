"""Server-rendered SVG bar charts: no JavaScript, a few hundred bytes each, readable at 360 px.

Each chart is drawn beside a table with the same numbers (the table is what screen readers
use; the SVG carries a title naming the chart). Hidden counts draw no bar and say so.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ROW = 22
_LABEL = 96
_BAR = 170
_WIDTH = 320


def bar_chart(title: str, items: Sequence[tuple[str, int | None]], hidden_text: str) -> SafeString:
    """Horizontal bars, one per (label, count); a count of None is hidden."""
    shown = [n for _label, n in items if n is not None]
    top = max(shown, default=0) or 1
    height = _ROW * max(len(items), 1) + 6
    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" width="100%" role="img" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
    ]
    for i, (label, count) in enumerate(items):
        y = i * _ROW + 3
        text_y = y + 15
        parts.append(
            f'<text x="{_LABEL - 6}" y="{text_y}" text-anchor="end">{escape(label)}</text>'
        )
        if count is None:
            parts.append(
                f'<text x="{_LABEL}" y="{text_y}" class="hidden">{escape(hidden_text)}</text>'
            )
            continue
        width = max(1, round(_BAR * count / top)) if count else 0
        parts.append(f'<rect x="{_LABEL}" y="{y + 3}" width="{width}" height="{_ROW - 8}"/>')
        parts.append(f'<text x="{_LABEL + width + 4}" y="{text_y}">{count:,}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above
