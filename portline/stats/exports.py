"""Writing protected rows as CSV, XLSX or PDF (the report command and the downloads)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _

from portline.common.csvsafe import safe_cell as _cell
from portline.common.pdf import pdf_document
from portline.stats.measures import DIMENSIONS, MEASURES
from portline.stats.selectors import Row

HEADER = ["measure", "period", "dimension_1", "value_1", "dimension_2", "value_2", "count"]


def row_cells(row: Row) -> list[object]:
    pairs = [*zip(row.dims, row.values, strict=True), ("", ""), ("", "")][:2]
    return [
        row.measure,
        row.period,
        pairs[0][0],
        _cell(pairs[0][1]),
        pairs[1][0],
        _cell(pairs[1][1]),
        "" if row.count is None else row.count,
    ]


def rows_csv(rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(row_cells(r) for r in rows)
    return buffer.getvalue()


def rows_xlsx(rows: Sequence[Row], threshold: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    sheet.append(HEADER)
    for r in rows:
        sheet.append(row_cells(r))
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
    about = book.create_sheet("about")
    about.append(["threshold", threshold])
    about.append(["hidden", _rule(threshold)])
    for name, m in MEASURES.items():
        about.append([name, str(m.definition)])
    for name, text in DIMENSIONS.items():
        about.append([name, str(text)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rule(threshold: int) -> str:
    return _(
        "Empty count: hidden (from 1 to %(k)s minus one, or hidden so that no hidden count "
        "can be worked out from the totals)."
    ) % {"k": threshold}


def rows_pdf(rows: Sequence[Row], threshold: int, language: str, title: str) -> bytes:
    pdf = pdf_document(title=title, language=language)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, _rule(threshold), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    widths = (30, 34, 24, 24, 24, 24, 20)
    pdf.set_font("DejaVu", "B", 8)
    for width, text in zip(widths, HEADER, strict=True):
        pdf.cell(width, 6, text, border=1)
    pdf.ln()
    pdf.set_font("DejaVu", "", 8)
    for r in rows:
        for width, value in zip(widths, row_cells(r), strict=True):
            pdf.cell(width, 5, str(value) if value != "" else "—", border=1)
        pdf.ln()
    return bytes(pdf.output())
