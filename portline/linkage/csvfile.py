"""Deduplicating an external file of people (`portline integrity link FILE.csv`).

Reads a CSV (UTF-8 with or without BOM, then Windows-1252, then Latin-1), maps common
header spellings to the columns below, checks every row, links the records with the
linkage engine and writes one row per input record: its id, its cluster id and the
cluster's lowest link probability. Identifiers are fingerprinted with a key made for this
one file, so nothing comparable leaves the run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from anyascii import anyascii
from django.utils.translation import gettext as _

from portline.common.spreadsheets import formula_safe
from portline.linkage import engine, normalise

# Canonical column -> accepted header spellings (compared after lower-casing, transliterating
# and turning every run of other characters into "_").
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "record_id", "rec_id", "person_id", "identifier", "uid", "case_id", "no"),
    "given_name": (
        "given_name", "given_names", "first_name", "firstname", "first_names", "forename",
        "forenames", "name", "nombre", "nombres", "primer_nombre", "prenom", "prenoms", "non",
    ),
    "surname": (
        "surname", "family_name", "family_names", "last_name", "lastname", "apellido",
        "apellidos", "primer_apellido", "apellido_paterno", "nom", "nom_de_famille", "siyati",
    ),
    "second_surname": ("second_surname", "segundo_apellido", "apellido_materno", "mother_surname"),
    "date_of_birth": (
        "date_of_birth", "dob", "birth_date", "birthdate", "born", "fecha_de_nacimiento",
        "fecha_nacimiento", "date_de_naissance", "dat_nesans",
    ),
    "sex": ("sex", "gender", "sexo", "genero", "sexe", "seks"),
    "address": ("address", "street_address", "direccion", "domicilio", "adresse", "adres"),
    "street_number": ("street_number", "house_number", "numero", "number"),
    "address_line_1": ("address_1", "address_line_1", "address1", "street", "calle"),
    "address_line_2": ("address_2", "address_line_2", "address2", "unit", "apartment"),
    "city": ("city", "suburb", "town", "locality", "ciudad", "municipio", "colonia", "ville"),
    "postcode": ("postcode", "post_code", "postal_code", "zip", "zip_code", "zipcode", "codigo_postal", "cp"),
    "state": ("state", "estado", "province", "provincia", "region"),
    "phone": ("phone", "phone_number", "telephone", "tel", "mobile", "cell", "telefono", "celular", "telefon"),
    "email": ("email", "e_mail", "mail", "correo", "correo_electronico", "imel"),
    "document_number": (
        "document_number", "document", "document_no", "id_number", "passport", "passport_number",
        "national_id", "national_identity_number", "nin", "curp", "dni", "cedula", "ssn",
        "social_security_number", "soc_sec_id", "numero_de_documento",
    ),
    "place_of_birth": ("place_of_birth", "city_of_birth", "birth_place", "lugar_de_nacimiento"),
}  # fmt: skip
_ALIASES = {alias: canonical for canonical, aliases in COLUMNS.items() for alias in aliases}
_HEADER_JUNK = re.compile(r"[^a-z0-9]+")
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line of the file (the header is row 1)
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class LinkFileError(Exception):
    """The file cannot be linked; `errors` name the rows and columns at fault."""

    def __init__(self, errors: Sequence[RowError | str]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


@dataclass
class LinkFileResult:
    encoding: str
    columns: dict[str, str]  # canonical -> header as written in the file
    ignored_columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)  # canonical -> value


def canonical_header(header: str) -> str:
    return _HEADER_JUNK.sub("_", anyascii(header or "").lower()).strip("_")


def decode(data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def parse_date(value: str) -> dt.date:
    """YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY (day first, as written outside the US)."""
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    raise ValueError(value)


def read_people(data: bytes) -> LinkFileResult:
    """Decode and check the file; raise LinkFileError naming every bad row and column."""
    text, encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise LinkFileError([_("The file is empty.")]) from None
    except csv.Error as exc:
        raise LinkFileError(
            [_("The header line cannot be read: %(error)s") % {"error": exc}]
        ) from None
    columns: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored = []
    errors: list[RowError | str] = []
    for index, raw in enumerate(header):
        canonical = _ALIASES.get(canonical_header(raw))
        if canonical is None:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if canonical in columns:
            errors.append(
                RowError(
                    1, raw, _("this column repeats %(first)s.") % {"first": written[canonical]}
                )
            )
            continue
        columns[canonical] = index
        written[canonical] = raw.strip()
    if "id" not in columns:
        errors.append(RowError(1, "id", _("the file needs an id column (id, record_id, ...).")))
    if "given_name" not in columns and "surname" not in columns:
        errors.append(
            RowError(1, "given_name", _("the file needs a given name or a surname column."))
        )
    if errors:
        raise LinkFileError(errors)
    result = LinkFileResult(encoding=encoding, columns=written, ignored_columns=ignored)
    seen_ids: dict[str, int] = {}
    line = 1
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                errors.append(
                    RowError(
                        line,
                        "*",
                        _("%(found)s fields where the header has %(expected)s.")
                        % {"found": len(fields), "expected": len(header)},
                    )
                )
                continue
            row = {name: fields[i].strip() for name, i in columns.items()}
            rid = row["id"]
            if not rid:
                errors.append(RowError(line, written["id"], _("the id is empty.")))
            elif rid in seen_ids:
                errors.append(
                    RowError(
                        line,
                        written["id"],
                        _("id %(id)s already used on row %(row)s.")
                        % {"id": rid, "row": seen_ids[rid]},
                    )
                )
            else:
                seen_ids[rid] = line
            if not row.get("given_name") and not row.get("surname"):
                column = written.get("surname") or written.get("given_name", "")
                errors.append(RowError(line, column, _("the name is empty.")))
            if row.get("date_of_birth"):
                try:
                    birth = parse_date(row["date_of_birth"])
                    if birth.year < 1900:
                        raise ValueError(row["date_of_birth"])
                except ValueError:
                    errors.append(
                        RowError(
                            line,
                            written["date_of_birth"],
                            _("%(value)s is not a date (use YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY).")
                            % {"value": row["date_of_birth"][:20]},
                        )
                    )
            result.rows.append(row)
    except csv.Error as exc:
        errors.append(
            RowError(line + 1, "*", _("the line cannot be read: %(error)s") % {"error": exc})
        )
    if errors:
        raise LinkFileError(errors)
    if len(result.rows) == 0:
        raise LinkFileError([_("The file has a header but no people.")])
    return result


def row_record(key: bytes, row: dict[str, str], *, lenient_dates: bool = False) -> dict:
    """One engine record from a row keyed by canonical column names. `lenient_dates` turns
    an unreadable date into an unknown one (for files already known to hold such dates)."""
    if lenient_dates and row.get("date_of_birth"):
        try:
            parse_date(row["date_of_birth"])
        except ValueError:
            row = {**row, "date_of_birth": ""}
    return _record(key, row)


def canonical_column(header: str) -> str | None:
    return _ALIASES.get(canonical_header(header))


def _record(key: bytes, row: dict[str, str]) -> dict:
    address = row.get("address") or " ".join(
        part
        for part in (row.get("street_number"), row.get("address_line_1"), row.get("address_line_2"))
        if part
    )
    family = " ".join(p for p in (row.get("surname"), row.get("second_surname")) if p)
    return normalise.person_record(
        key=key,
        unique_id=row["id"],
        given_names=row.get("given_name", ""),
        family_names=family,
        date_of_birth=parse_date(row["date_of_birth"]) if row.get("date_of_birth") else None,
        sex={"f": "female", "m": "male"}.get((row.get("sex") or "")[:1].lower(), ""),
        birth_place=row.get("place_of_birth", ""),
        address_line=address,
        zip_code=row.get("postcode", ""),
        phone=row.get("phone", ""),
        email=row.get("email", ""),
        document=row.get("document_number", ""),
    )


@dataclass
class LinkedFile:
    parsed: LinkFileResult
    output_rows: list[tuple[str, str, str]]  # id, cluster id, minimum link probability
    cluster_count: int
    link_count: int


def link_file(
    path: Path,
    *,
    model: dict,
    threshold: float = engine.DEFAULT_THRESHOLD,
    backend: str = "duckdb",
    spark_master: str = "local[2]",
) -> LinkedFile:
    parsed = read_people(path.read_bytes())
    key = secrets.token_bytes(32)  # this file's own fingerprint key
    records = [_record(key, row) for row in parsed.rows]
    if backend == "spark":
        links = engine.predict_spark(records, model, threshold=threshold, master=spark_master)
    else:
        links = engine.predict_duckdb(records, model, threshold=threshold)
    ids = [r["unique_id"] for r in records]
    clusters = engine.cluster(ids, links, threshold=threshold)
    # Cluster ids in the order of first appearance in the file.
    numbering: dict[str, int] = {}
    by_member = {m: c for c in clusters for m in c.members}
    out = []
    for rid in ids:
        c = by_member.get(rid)
        anchor = c.members[0] if c else rid
        number = numbering.setdefault(anchor, len(numbering) + 1)
        out.append((rid, f"C{number:06d}", f"{c.min_probability:.4f}" if c else ""))
    return LinkedFile(
        parsed=parsed,
        output_rows=out,
        cluster_count=len(clusters),
        link_count=sum(len(c.links) for c in clusters),
    )


def write_clusters(rows: Sequence[tuple[str, str, str]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "cluster_id", "min_link_probability"])
        for row in rows:
            writer.writerow([formula_safe(v) for v in row])
