"""Writing cells that a spreadsheet program will open: text that would run as a formula
(= + - @, or a leading tab or carriage return) is written as plain text, with a leading
apostrophe. Every CSV or XLSX that carries text from outside goes through here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: object) -> object:
    """The value, or for text a spreadsheet would run as a formula, that text made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (\\n line ends) whose every cell went through `formula_safe`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([formula_safe(v) for v in header])
    writer.writerows([formula_safe(v) for v in row] for row in rows)
    return buffer.getvalue()
