"""Reading and checking bulk files: every bad input of the list, nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from portline.common.errors import ValidationFailed
from portline.intake.columns import mapping_guess
from portline.intake.cutoffs import cutoff_next, cutoff_times
from portline.intake.downloads import report_csv, template_csv, template_xlsx
from portline.intake.files import table_read
from portline.intake.validation import parse_date, report_build
from tests.intake.helpers import HEADER, csv_bytes, row, xlsx_bytes


def check(content: bytes, mapping=None):
    table = table_read(content)
    return report_build(table, mapping or mapping_guess(table.headers))


def test_mixed_rows_report_each_problem_by_row_and_column():
    report = check(
        csv_bytes(
            [
                row(),
                row(given="", born="1990-13-40"),
                row(nationality="XX"),
                row(given="Luis"),
            ]
        )
    )
    assert report.rows_read == 4 and report.valid_rows == 2
    found = {(p.row, p.column.split(" ")[0]) for p in report.problems}
    assert (3, "B") in found and (3, "D") in found and (4, "E") in found
    assert all(p.message for p in report.problems)


@pytest.mark.parametrize(
    "content",
    [
        csv_bytes([row(given="José Ñúñez")]),
        csv_bytes([row(given="José Ñúñez")], bom=True),
        csv_bytes([row(given="José Ñúñez")], encoding="latin-1"),
        csv_bytes([row(given="José Ñúñez")], delimiter=";"),
        xlsx_bytes([row(given="José Ñúñez")]),
    ],
    ids=["utf8", "utf8-bom", "latin1", "semicolon", "xlsx"],
)
def test_encodings_and_kinds_read_the_same_names(content):
    report = check(content)
    assert report.valid_rows == 1, report.problems
    assert report.groups[0].rows[0].person["given_names"] == "José Ñúñez"


def test_formulas_are_never_evaluated_and_are_refused_per_cell():
    formula = '=HYPERLINK("http://evil.example/","click")'
    for content in (csv_bytes([row(family=formula)]), xlsx_bytes([row(family=formula)])):
        report = check(content)
        assert report.valid_rows == 0
        (problem,) = report.problems
        assert problem.row == 2 and problem.column.startswith("C ")
        assert problem.value == formula and "Formula" in problem.message


def test_the_report_download_never_writes_a_formula_back():
    report = check(csv_bytes([row(family='=HYPERLINK("http://x/","y")'), row(given="@SUM(1)")]))
    text = report_csv(report)
    cells = [line.split(",", 3)[-1] for line in text.splitlines()[1:]]
    assert cells and all(not c.lstrip('"').startswith(("=", "@")) for c in cells)
    assert "'=HYPERLINK" in text


def test_merged_cells_are_reported():
    rows = [row(group="F1"), row(group="", given="Luis"), row(given="Eva")]
    report = check(xlsx_bytes(rows, merge="A2:A3"))
    merged = [p for p in report.problems if "Merged" in p.message]
    assert {p.row for p in merged} == {2, 3}
    assert report.valid_rows == 1


def test_extra_columns_are_left_out_and_missing_required_columns_refuse_the_file():
    header = [*HEADER, "Notes"]
    report = check(csv_bytes([[*row(), "likes tea"]], header=header))
    assert report.valid_rows == 1 and any("Notes" in n for n in report.notices)
    short = [h for h in HEADER if h != "Nationality"]
    report = check(csv_bytes([[v for v in row() if v != "VE"]], header=short))
    assert report.valid_rows == 0 and report.file_problems
    assert "Nationality" in report.file_problems[0]


def test_a_row_longer_than_the_header_is_a_row_problem():
    report = check(csv_bytes([[*row(), "stray"]]))
    assert report.valid_rows == 0 and report.problems[0].row == 2


def test_empty_rows_are_skipped_and_counted():
    report = check(csv_bytes([row(), ["", "", ""], [], row(given="Luis")]))
    assert report.rows_read == 2 and report.empty_rows == 2 and report.valid_rows == 2
    assert [r.number for g in report.groups for r in g.rows] == [2, 5]


def test_dates_in_three_forms_and_as_date_cells():
    assert parse_date("1990-04-23") == dt.date(1990, 4, 23)
    assert parse_date("23/04/1990") == dt.date(1990, 4, 23)
    assert parse_date("23.04.1990") == dt.date(1990, 4, 23)
    assert parse_date("04/23/1990") is None  # month first is not a date here
    assert parse_date(dt.date(1990, 4, 23)) == dt.date(1990, 4, 23)
    rows = [row(born="1990-04-23"), row(born="23/04/1990"), row(born="23.04.1990")]
    assert check(csv_bytes(rows)).valid_rows == 3
    report = check(xlsx_bytes([row(born=dt.datetime(1990, 4, 23))]))
    assert report.groups[0].rows[0].person["date_of_birth"] == dt.date(1990, 4, 23)


def test_a_row_without_consent_is_refused():
    report = check(csv_bytes([row(consent_given=""), row(consent_language="xx")]))
    assert report.valid_rows == 0
    assert {p.row for p in report.problems} == {2, 3}
    assert all("consent" in p.message.lower() for p in report.problems)


def test_a_group_is_one_registration_and_is_never_split():
    rows = [
        row(group="F1"),
        row(group="F1", given="Luis"),
        row(group="F2"),
        row(group="F2", nationality="??"),
    ]
    report = check(csv_bytes(rows))
    assert [len(g.rows) for g in report.groups] == [2, 2]
    assert report.valid_rows == 2  # F2 is refused whole
    assert any("another row" in p.message for p in report.problems if p.row == 4)


def test_errors_are_in_the_readers_language():
    with translation.override("es"):
        report = check(csv_bytes([row(born="ayer")]))
    assert "AAAA" in report.problems[0].message or "día" in report.problems[0].message


def test_headers_are_matched_in_any_offered_language():
    with translation.override("es"):
        spanish = [str(h) for h in template_csv("es").lstrip("\ufeff").strip().split(",")]
    assert mapping_guess(spanish)[:5] == [
        "group",
        "relationship",
        "given_names",
        "family_names",
        "date_of_birth",
    ]


def test_templates_in_each_language():
    import io

    from openpyxl import load_workbook

    for language in ("en", "es", "ht"):
        assert template_csv(language).startswith("\ufeff")
        book = load_workbook(io.BytesIO(template_xlsx(language)))
        assert len(book.worksheets) == 2
        table = table_read(template_xlsx(language))
        assert table.rows == [] and mapping_guess(table.headers)[2] == "given_names"


def test_foreign_and_damaged_files_are_refused_with_a_reason():
    for content in (b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, b"PK\x03\x04broken"):
        with pytest.raises(ValidationFailed) as info:
            table_read(content)
        assert info.value.errors["file"]


def test_ten_thousand_rows_are_read_and_more_are_refused():
    rows = [row(given=f"Ana{n}".replace("0", "o").replace("1", "i")) for n in range(10_000)]
    assert len(table_read(csv_bytes(rows)).rows) == 10_000
    with pytest.raises(ValidationFailed):
        table_read(csv_bytes([*rows, row()]))


def test_cutoffs_form_batches_twice_a_day():
    times = cutoff_times(["18:00", "12:00"])
    zone = "America/Mexico_City"  # UTC-6
    morning = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)  # 09:00 local
    assert cutoff_next(morning, times, zone) == dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)
    at_noon = dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)
    assert cutoff_next(at_noon, times, zone) == dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    night = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 20:00 local
    assert cutoff_next(night, times, zone) == dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.UTC)
