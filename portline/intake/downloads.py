"""Files staff download: the empty template in their language, and a check's report."""

from __future__ import annotations

import io

from django.utils import translation
from django.utils.translation import gettext as _

from portline.common.spreadsheets import csv_text, formula_safe
from portline.intake.columns import COLUMNS
from portline.intake.validation import Report


def template_csv(language: str) -> str:
    """The header row alone (UTF-8 with a byte-order mark, so spreadsheet programs read the
    accents right); the columns are explained in the XLSX template and on the import page."""
    with translation.override(language):
        return "\ufeff" + csv_text([str(c.heading) for c in COLUMNS], [])


def template_xlsx(language: str) -> bytes:
    """A workbook: the sheet to fill in (text cells) and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(language):
        book = Workbook()
        sheet = book.active
        sheet.title = _("People")[:31]
        sheet.append([str(c.heading) for c in COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index in range(1, len(COLUMNS) + 1):
            # Text format, so a spreadsheet program does not turn codes or phones into numbers.
            for row in range(2, 202):
                sheet.cell(row=row, column=index).number_format = "@"
        about = book.create_sheet(_("Columns")[:31])
        about.append([_("Column"), _("Required"), _("What to write"), _("Example")])
        for column in COLUMNS:
            about.append(
                [
                    str(column.heading),
                    _("yes") if column.required else _("no"),
                    str(column.help),
                    formula_safe(column.example),
                ]
            )
        for line in about.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def report_csv(report: Report) -> str:
    """Every problem by row and column, with the cell as it was in the file (formula-safe)."""
    rows = [(p.row, p.column, p.message, p.value) for p in report.problems]
    rows += [(p.row, p.column, p.message, p.value) for p in report.duplicates]
    rows.sort(key=lambda r: r[0])
    return "\ufeff" + csv_text([_("Row"), _("Column"), _("Problem"), _("Value in the file")], rows)
