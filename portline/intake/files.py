"""Reading a bulk file (CSV or XLSX) into a plain table, never evaluating anything in it.

CSV: UTF-8 with or without a byte-order mark, else Windows-1252/Latin-1; comma, semicolon or
tab separated. XLSX: openpyxl reads the first sheet's stored cells; a formula is read as its
text (`=HYPERLINK(...)`) and never evaluated; cells covered by a merged range are reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portline.common.errors import ValidationFailed

MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an XLSX is a ZIP: refuse one that unpacks huge
MAX_ROWS = 10_000
MAX_COLUMNS = 100

Cell = str | dt.date | None


@dataclass
class Table:
    kind: str  # "csv" or "xlsx"
    headers: list[str]
    rows: list[tuple[int, list[Cell]]]  # (row number as the spreadsheet shows it, cells)
    merged: set[tuple[int, int]] = field(default_factory=set)  # (row number, column index)
    empty_rows: int = 0
    encoding: str = ""


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"file": [message]})


def table_read(content: bytes) -> Table:
    """The file's header row and data rows. Raises ValidationFailed for a file that cannot be
    read at all (wrong kind, too big, no header); row problems are left to validation."""
    if not content:
        raise _refuse(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise _refuse(_("The file is larger than 20 MB. Split it into smaller files."))
    if content[:4] == b"PK\x03\x04":
        return _xlsx(content)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or b"\x00" in content[:4096]:
        raise _refuse(
            _("This is not a CSV or XLSX file. Save it as CSV (UTF-8) or as an Excel workbook.")
        )
    return _csv(content)


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "latin-1"


def _csv(content: bytes) -> Table:
    text, encoding = _decode(content)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise _refuse(_("The CSV file cannot be read: %(reason)s") % {"reason": exc}) from exc
    return _table("csv", [[c.strip() for c in line] for line in lines], encoding=encoding)


def _xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _refuse(_("The workbook is too large once unpacked. Split it."))
        # data_only=False: a formula cell holds its formula text; nothing is calculated.
        book = load_workbook(io.BytesIO(content), read_only=False, data_only=False)
    except ValidationFailed:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise _refuse(
            _("The workbook cannot be read. Save it again as .xlsx and upload it again.")
        ) from exc
    sheet = book.worksheets[0]
    if (sheet.max_row or 0) > MAX_ROWS + 1 + 1000 or (sheet.max_column or 0) > MAX_COLUMNS:
        raise _refuse(_("The sheet has more than 10,000 rows. Split it into smaller files."))
    merged: set[tuple[int, int]] = set()
    for block in sheet.merged_cells.ranges:
        for row in range(block.min_row, block.max_row + 1):
            for column in range(block.min_col, block.max_col + 1):
                merged.add((row, column - 1))
    lines: list[list[Cell]] = []
    for row in sheet.iter_rows():
        cells: list[Cell] = []
        for cell in row:
            value = cell.value
            if value is None:
                cells.append("")
            elif isinstance(value, dt.datetime):
                cells.append(value.date())
            elif isinstance(value, dt.date):
                cells.append(value)
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            else:
                cells.append(str(value).strip())
        lines.append(cells)
    book.close()
    return _table("xlsx", lines, merged=merged)


def _blank(cells: list[Cell]) -> bool:
    return all(c in ("", None) for c in cells)


def _table(
    kind: str,
    lines: list[list[Cell]],
    *,
    merged: set[tuple[int, int]] | None = None,
    encoding: str = "",
) -> Table:
    numbered = list(enumerate(lines, start=1))
    while numbered and _blank(numbered[0][1]):
        numbered.pop(0)
    if not numbered:
        raise _refuse(_("The file has no header row: the first row must name the columns."))
    header_number, header = numbered[0]
    headers = [str(h or "").strip() for h in header]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise _refuse(_("The file has no header row: the first row must name the columns."))
    rows: list[tuple[int, list[Cell]]] = []
    empty = 0
    for number, cells in numbered[1:]:
        if _blank(cells):
            empty += 1
            continue
        rows.append((number, cells))
    if len(rows) > MAX_ROWS:
        raise _refuse(
            _("The file has %(count)s rows; at most 10,000 are read at once. Split it.")
            % {"count": len(rows)}
        )
    return Table(
        kind=kind,
        headers=headers,
        rows=rows,
        merged={m for m in (merged or set()) if m[0] != header_number},
        empty_rows=empty,
        encoding=encoding,
    )
