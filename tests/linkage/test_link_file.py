"""`portline integrity link FILE.csv --out clusters.csv`."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from portline.linkage import csvfile

ROWS = [
    ("1", "María", "García López", "1990-04-05", "F", "123 Main Street Apt 4", "78701", "123-45-6789"),
    ("2", "Maria", "Garcia", "05/04/1990", "F", "123 Main St", "78701", "123456789"),
    ("3", "José", "Pérez", "19850312", "M", "9 Elm Rd", "77002", ""),
    ("4", "Jose", "Peres", "1985-03-12", "M", "9 Elm Road", "77002", ""),
    ("5", "Ana", "Ruiz", "2001-01-01", "F", "1 Oak Ave", "75201", ""),
]  # fmt: skip


def _file(tmp_path, header, rows, encoding="utf-8", name="people.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _run(path, out):
    stdout = io.StringIO()
    call_command("integrity_link", str(path), "--out", str(out), stdout=stdout)
    with out.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle)), stdout.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_file_is_deduplicated_in_every_encoding(tmp_path, encoding):
    header = ["Record ID", "First Name", "Apellidos", "DOB", "Sexo", "Address", "Zip", "SSN"]
    path = _file(tmp_path, header, ROWS, encoding=encoding)
    rows, said = _run(path, tmp_path / "clusters.csv")
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    cluster = {r["id"]: r["cluster_id"] for r in rows}
    assert cluster["1"] == cluster["2"] != cluster["3"] == cluster["4"] != cluster["5"]
    assert float(rows[0]["min_link_probability"]) >= 0.9
    assert rows[4]["min_link_probability"] == ""
    assert "document_number=SSN" in said and "given_name=First Name" in said


def test_split_address_and_spanish_headers(tmp_path):
    header = [
        "id",
        "nombre",
        "apellido",
        "segundo_apellido",
        "fecha_de_nacimiento",
        "numero",
        "calle",
        "ciudad",
        "codigo_postal",
        "estado",
        "telefono",
        "extra",
    ]
    rows = [
        ("a", "Yesenia", "Cruz", "Mejía", "1994-12-03", "45", "Pine Street", "Dallas", "75201", "TX", "+1 214 555 0199", "x"),
        ("b", "Jesenia", "Cruz", "", "03/12/1994", "45", "Pine St", "Dallas", "75201", "TX", "2145550199", "y"),
    ]  # fmt: skip
    path = _file(tmp_path, header, rows)
    out, said = _run(path, tmp_path / "o.csv")
    assert out[0]["cluster_id"] == out[1]["cluster_id"]
    assert "Ignored columns: extra" in said


def test_bad_rows_are_named_by_row_and_column(tmp_path):
    header = ["id", "given_name", "surname", "date_of_birth"]
    rows = [
        ("1", "Ana", "Ruiz", "2001-13-01"),
        ("2", "", "", "2001-01-01"),
        ("1", "Luis", "Mora", "20010101"),
        ("4", "Bo"),
    ]
    path = _file(tmp_path, header, rows)
    out = tmp_path / "o.csv"
    with pytest.raises(CommandError) as caught:
        _run(path, out)
    message = str(caught.value)
    assert "Row 2, column date_of_birth: 2001-13-01 is not a date" in message
    assert "Row 3, column surname: the name is empty." in message
    assert "Row 4, column id: id 1 already used on row 2." in message
    assert "Row 5, column *: 2 fields where the header has 4." in message
    assert not out.exists()


def test_missing_columns_and_messages_in_spanish(tmp_path):
    path = _file(tmp_path, ["nombre", "dob"], [("Ana", "2001-01-01")])
    with translation.override("es"), pytest.raises(CommandError) as caught:
        _run(path, tmp_path / "o.csv")
    assert "Fila 1, columna id" in str(caught.value)


def test_date_formats():
    assert csvfile.parse_date("1990-04-05") == csvfile.parse_date("19900405")
    assert csvfile.parse_date("05/04/1990").month == 4
    with pytest.raises(ValueError):
        csvfile.parse_date("1990/04/05")


def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(csvfile.LinkFileError, match="empty"):
        csvfile.read_people(empty.read_bytes())
    with pytest.raises(csvfile.LinkFileError, match="no people"):
        csvfile.read_people(b"id,surname\n")


def test_output_never_writes_a_formula(tmp_path):
    path = _file(tmp_path, ["id", "surname"], [("=1+1", "Ruiz"), ("2", "Mora")])
    rows, _said = _run(path, tmp_path / "o.csv")
    assert rows[0]["id"] == "'=1+1"
