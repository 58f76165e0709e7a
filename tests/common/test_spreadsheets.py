"""The one formula-safe CSV writer: text a spreadsheet would evaluate is written as text."""

from __future__ import annotations

import csv
import io

from portline.common.spreadsheets import csv_text
from portline.common.spreadsheets import formula_safe as safe_cell


def test_formula_starts_are_quoted_and_other_values_kept():
    assert safe_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    for start in ("+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(start) == "'" + start
    assert safe_cell("María") == "María" and safe_cell(7) == 7 and safe_cell("") == ""


def test_csv_text_writes_safe_cells_that_read_back():
    text = csv_text(["Name", "n"], [["=1+1", 2], ['a "quoted", name', None]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Name", "n"], ["'=1+1", "2"], ['a "quoted", name', ""]]
