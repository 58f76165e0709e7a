"""Formula-safe CSV: text a spreadsheet would run as a formula is written as plain text.

A cell starting with = + - @ (or a tab or carriage return) is prefixed with a quote, so
"=HYPERLINK(...)" in a name is shown, never evaluated, when the file is opened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """The header and rows as CSV text, every text cell made formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
