"""Parse and check a watchlist file (CSV or JSON) before anything is written.

Every broken row is reported with its line number and the reason; the caller replaces a list
only when the whole file is valid. No database access here.

CSV: a header row, then one entry per row. Columns (case-insensitive; only `name` required):
`name`, `aliases`, `dates_of_birth`, `nationalities`, `reason`, `external_id`; several values
in one cell are separated by `;`. JSON: an array of objects with the same keys (lists or
`;`-separated strings), or an object with the array under `"entries"`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portline.common.countries import is_country
from portline.common.names import name_normalise
from portline.screening.match import PartialDate, normalise

COLUMNS = ("name", "aliases", "dates_of_birth", "nationalities", "reason", "external_id")
SYNONYMS = {
    "primary_name": "name",
    "full_name": "name",
    "alias": "aliases",
    "date_of_birth": "dates_of_birth",
    "dob": "dates_of_birth",
    "nationality": "nationalities",
    "id": "external_id",
}
MAX_NAME = 300
MAX_ALIASES = 50
MAX_REASON = 500
MAX_EXTERNAL_ID = 100


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ParsedList:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and bool(self.rows)

    def digest(self) -> str:
        canonical = json.dumps(self.rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _values(raw) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list):
        return [str(v).strip() for v in raw if str(v).strip()]
    return [v.strip() for v in str(raw).replace("|", ";").split(";") if v.strip()]


def check_row(raw: dict, *, today: dt.date) -> tuple[dict | None, list[str]]:
    """(clean row, problems) for one entry."""
    problems: list[str] = []
    name = name_normalise(str(raw.get("name") or ""))
    if not name:
        problems.append(_("the name is missing"))
    elif len(name) > MAX_NAME:
        problems.append(_("the name is longer than %(max)s characters") % {"max": MAX_NAME})
    elif not normalise(name).tokens:
        problems.append(_("the name has no letters"))
    aliases = [alias for alias in map(name_normalise, _values(raw.get("aliases"))) if alias]
    if len(aliases) > MAX_ALIASES:
        problems.append(_("more than %(max)s aliases") % {"max": MAX_ALIASES})
    for alias in aliases:
        if len(alias) > MAX_NAME or not normalise(alias).tokens:
            problems.append(_("alias “%(alias)s” is not a usable name") % {"alias": alias[:60]})
    dates = []
    for value in _values(raw.get("dates_of_birth")):
        try:
            date = PartialDate.parse(value)
        except ValueError:
            problems.append(
                _("“%(value)s” is not a date of birth (use YYYY, YYYY-MM or YYYY-MM-DD)")
                % {"value": value[:20]}
            )
            continue
        assert date is not None
        if (
            date.year < 1880
            or date.year > today.year
            or (date.day and dt.date(date.year, date.month, date.day) > today)
        ):
            problems.append(_("date of birth %(value)s is out of range") % {"value": value})
            continue
        dates.append(str(date))
    nationalities = []
    for value in _values(raw.get("nationalities")):
        code = value.upper()
        if not is_country(code):
            problems.append(
                _("“%(value)s” is not a two-letter country code") % {"value": value[:20]}
            )
        elif code not in nationalities:
            nationalities.append(code)
    reason = str(raw.get("reason") or "").strip()
    if len(reason) > MAX_REASON:
        problems.append(_("the reason is longer than %(max)s characters") % {"max": MAX_REASON})
    external_id = str(raw.get("external_id") or "").strip()
    if len(external_id) > MAX_EXTERNAL_ID:
        problems.append(
            _("the identifier is longer than %(max)s characters") % {"max": MAX_EXTERNAL_ID}
        )
    if problems:
        return None, problems
    return {
        "name": name,
        "aliases": aliases,
        "dates_of_birth": dates,
        "nationalities": nationalities,
        "reason": reason,
        "external_id": external_id,
    }, []


def _canonical_keys(raw: dict) -> tuple[dict, list[str]]:
    clean, unknown = {}, []
    for key, value in raw.items():
        name = SYNONYMS.get(str(key).strip().lower(), str(key).strip().lower())
        if name in COLUMNS:
            clean[name] = value
        else:
            unknown.append(str(key))
    return clean, unknown


def _add(
    parsed: ParsedList, line: int, raw: dict, seen_ids: dict[str, int], today: dt.date
) -> None:
    row, problems = check_row(raw, today=today)
    if row and row["external_id"]:
        first = seen_ids.setdefault(row["external_id"], line)
        if first != line:
            problems = [
                _("identifier %(id)s already used on line %(line)s")
                % {"id": row["external_id"], "line": first}
            ]
            row = None
    if problems:
        parsed.errors.extend(RowError(line, p) for p in problems)
    elif row:
        parsed.rows.append(row)


def parse_csv(text: str, *, today: dt.date) -> ParsedList:
    parsed = ParsedList()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        parsed.errors.append(RowError(1, _("the file is empty")))
        return parsed
    columns = [SYNONYMS.get(h.strip().lower(), h.strip().lower()) for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in COLUMNS]
    if unknown:
        parsed.errors.append(
            RowError(
                1,
                _("unknown columns: %(columns)s (expected: %(expected)s)")
                % {"columns": ", ".join(unknown), "expected": ", ".join(COLUMNS)},
            )
        )
        return parsed
    if "name" not in columns:
        parsed.errors.append(RowError(1, _("the header has no “name” column")))
        return parsed
    seen_ids: dict[str, int] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                parsed.errors.append(
                    RowError(
                        line,
                        _("%(found)s fields where the header has %(expected)s")
                        % {"found": len(values), "expected": len(columns)},
                    )
                )
                continue
            _add(parsed, line, dict(zip(columns, values, strict=True)), seen_ids, today)
    except csv.Error as exc:
        parsed.errors.append(
            RowError(reader.line_num, _("the CSV cannot be read here: %(error)s") % {"error": exc})
        )
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(1, _("the file holds no entries")))
    return parsed


def parse_json(text: str, *, today: dt.date) -> ParsedList:
    """Array elements are decoded one by one so that each is reported with its own line."""
    parsed = ParsedList()
    decoder = json.JSONDecoder()

    def line_of(position: int) -> int:
        return text.count("\n", 0, position) + 1

    def skip(position: int) -> int:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        return position

    position = skip(0)
    if text[position : position + 1] == "{":
        try:
            document, _end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            parsed.errors.append(
                RowError(exc.lineno, _("not valid JSON: %(error)s") % {"error": exc.msg})
            )
            return parsed
        entries = document.get("entries") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            parsed.errors.append(
                RowError(
                    line_of(position),
                    _("expected an array of entries, or an object with “entries”"),
                )
            )
            return parsed
        # Find where the array starts so that elements keep their own line numbers.
        key_at = text.find('"entries"', position)
        position = text.find("[", key_at)
    if text[position : position + 1] != "[":
        parsed.errors.append(
            RowError(
                line_of(position), _("expected an array of entries, or an object with “entries”")
            )
        )
        return parsed
    position = skip(position + 1)
    seen_ids: dict[str, int] = {}
    while position < len(text) and text[position] != "]":
        line = line_of(position)
        try:
            element, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            parsed.errors.append(
                RowError(exc.lineno, _("not valid JSON: %(error)s") % {"error": exc.msg})
            )
            return parsed
        if not isinstance(element, dict):
            parsed.errors.append(RowError(line, _("an entry must be an object")))
        else:
            raw, unknown = _canonical_keys(element)
            if unknown:
                parsed.errors.append(
                    RowError(line, _("unknown fields: %(fields)s") % {"fields": ", ".join(unknown)})
                )
            else:
                _add(parsed, line, raw, seen_ids, today)
        position = skip(position)
        if text[position : position + 1] == ",":
            position = skip(position + 1)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(1, _("the file holds no entries")))
    return parsed


def parse_file(data: bytes, *, filename: str, today: dt.date, fmt: str = "") -> ParsedList:
    fmt = (fmt or filename.rsplit(".", 1)[-1]).lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        parsed = ParsedList()
        parsed.errors.append(
            RowError(data[: exc.start].count(b"\n") + 1, _("the file is not UTF-8 text"))
        )
        return parsed
    if fmt == "json":
        return parse_json(text, today=today)
    if fmt == "csv":
        return parse_csv(text, today=today)
    parsed = ParsedList()
    parsed.errors.append(
        RowError(0, _("unknown file format “%(fmt)s”: use .csv or .json") % {"fmt": fmt})
    )
    return parsed
