"""Bulk files for the intake tests: written with the csv module and openpyxl, as staff's
spreadsheet programs would write them."""

from __future__ import annotations

import csv
import io

HEADER = [
    "Group",
    "Given names",
    "Family names",
    "Date of birth",
    "Nationality",
    "Consent given",
    "Consent language",
    "Consent date",
]


def row(given="Ana", family="Pérez", born="1990-04-23", nationality="VE", group="", **extra):
    values = [group, given, family, born, nationality, "paper", "es", "2026-11-01"]
    for index, name in enumerate(HEADER):
        key = name.lower().replace(" ", "_")
        if key in extra:
            values[index] = extra[key]
    return values


def csv_bytes(rows, *, header=HEADER, encoding="utf-8", bom=False, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, *, header=HEADER, merge: str | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
