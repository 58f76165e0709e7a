"""Checking a bulk file's rows: every problem named by row and column, in the reader's
language. Each person field is checked by the registration model's own field rules, so a
row passes here exactly when the same person could be entered on the single-entry pages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portline.common.errors import ValidationFailed
from portline.common.validators import clean_name, normalise_phone
from portline.intake.columns import BY_KEY, COLUMNS, REQUIRED
from portline.intake.files import Cell, Table
from portline.registrations.models import MAX_GROUP_SIZE, Person, Relationship
from portline.registrations.services import ConsentInput, consent_clean

PERSON_KEYS = tuple(
    c.key
    for c in COLUMNS
    if c.key not in {"group", "consent_medium", "consent_language", "consent_given_on"}
)
CONSENT_KEYS = ("consent_medium", "consent_language", "consent_given_on")
_DATE_FORMS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), ("d", "m", "y")),
)


@dataclass
class Problem:
    row: int
    column: str  # the column's letter and heading, e.g. "C (Date of birth)"; "" for the row
    message: str
    value: str = ""


@dataclass
class CheckedRow:
    number: int
    group: str
    person: dict[str, Any]
    consent: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Group:
    first_row: int
    rows: list[CheckedRow]
    consent: ConsentInput | None = None

    @property
    def ok(self) -> bool:
        return self.consent is not None and not any(r.problems for r in self.rows)


@dataclass
class Report:
    kind: str
    encoding: str
    headers: list[str]
    mapping: list[str]
    rows_read: int
    empty_rows: int
    file_problems: list[str]
    notices: list[str]
    groups: list[Group]
    duplicates: list[Problem] = field(default_factory=list)
    sha256: str = ""

    @property
    def problems(self) -> list[Problem]:
        return [p for g in self.groups for r in g.rows for p in r.problems]

    @property
    def valid_groups(self) -> list[Group]:
        return [] if self.file_problems else [g for g in self.groups if g.ok]

    @property
    def valid_rows(self) -> int:
        return sum(len(g.rows) for g in self.valid_groups)

    @property
    def refused_rows(self) -> int:
        return self.rows_read - self.valid_rows


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_date(value: Cell) -> dt.date | None:
    """A date cell, or text as YYYY-MM-DD, DD/MM/YYYY or DD.MM.YYYY; None if it is none."""
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if " " in text:  # "1990-04-23 00:00:00" as some programs write a date cell to CSV
        text = text.split(" ", 1)[0]
    for pattern, order in _DATE_FORMS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def _is_formula(text: str) -> bool:
    if text.startswith(("=", "@")):
        return True
    # "+52 55..." is a phone number and "-3" a number; "+SUM(" or "-A1+1" is a formula.
    return text.startswith(("+", "-")) and bool(re.match(r"^[+-]\s*[A-Za-z(]", text))


def _person_value(key: str, raw: Cell) -> Any:
    """The cell as the model field expects it; raises ValidationError for a bad date."""
    if key == "date_of_birth":
        if raw in ("", None):
            return None
        parsed = parse_date(raw)
        if parsed is None:
            raise ValidationError(
                _("Write the date as YYYY-MM-DD, DD/MM/YYYY or DD.MM.YYYY (day first).")
            )
        return parsed
    text = raw.isoformat() if isinstance(raw, dt.date) else str(raw or "").strip()
    if key in ("given_names", "family_names"):
        return clean_name(text)
    if key in ("country_of_birth", "nationality", "country_of_residence"):
        return text.upper()
    if key in ("gender", "eye_colour", "relationship", "preferred_language"):
        return text.lower()
    if key == "email":
        return text.lower()
    if key == "phone":
        return normalise_phone(text) if text else ""
    if key in ("height_cm", "weight_kg"):
        if not text:
            return None
        try:
            return int(float(text.replace(",", ".")))
        except ValueError as exc:
            raise ValidationError(_("Write a whole number.")) from exc
    return text


def report_build(table: Table, mapping: list[str]) -> Report:
    """Check every row of `table` with `mapping` (for each file column, a column key or "").
    Nothing is stored. A group with any wrong row is refused whole (a family is never split)."""
    headers = table.headers
    mapping = (list(mapping) + [""] * len(headers))[: len(headers)]
    index_of = {key: i for i, key in enumerate(mapping) if key}
    labels = {key: f"{column_letter(i)} ({BY_KEY[key].heading})" for key, i in index_of.items()}
    file_problems = [
        _("No column is matched to “%(column)s”, which is required.")
        % {"column": BY_KEY[key].heading}
        for key in REQUIRED
        if key not in index_of
    ]
    notices = []
    ignored = [f"{column_letter(i)} ({headers[i] or '—'})" for i, k in enumerate(mapping) if not k]
    if ignored:
        notices.append(_("Columns left out: %(columns)s.") % {"columns": ", ".join(ignored)})
    if table.empty_rows:
        notices.append(_("Empty rows skipped: %(count)s.") % {"count": table.empty_rows})
    fields = {key: Person._meta.get_field(key) for key in PERSON_KEYS}
    groups: dict[str, Group] = {}
    order: list[Group] = []
    for number, cells in table.rows:
        row = CheckedRow(number=number, group="", person={}, consent={})
        extra = [c for c in cells[len(headers) :] if c not in ("", None)]
        if extra:
            row.problems.append(
                Problem(number, "", _("This row has more cells than the header row has columns."))
            )
        for key, index in index_of.items():
            raw: Cell = cells[index] if index < len(cells) else ""
            label = labels[key]
            text = raw.isoformat() if isinstance(raw, dt.date) else str(raw or "")
            if (number, index) in table.merged:
                row.problems.append(
                    Problem(
                        number,
                        label,
                        _("Merged cells are not read: unmerge them and fill in every row."),
                        text,
                    )
                )
                continue
            if _is_formula(text):
                row.problems.append(
                    Problem(
                        number,
                        label,
                        _("Formulas are not accepted: type the value itself."),
                        text,
                    )
                )
                continue
            if key == "group":
                row.group = text.strip()[:50]
                continue
            if key in CONSENT_KEYS:
                if key == "consent_given_on" and text:
                    parsed = parse_date(raw)
                    row.consent[key] = parsed.isoformat() if parsed else "?" + text
                else:
                    row.consent[key] = text
                continue
            try:
                value = _person_value(key, raw)
                value = fields[key].clean(value, None)
            except ValidationError as exc:
                for message in exc.messages:
                    row.problems.append(Problem(number, label, message, text))
                continue
            if key in REQUIRED and value in ("", None):
                row.problems.append(Problem(number, label, _("This column is required."), text))
                continue
            row.person[key] = value
        key = row.group or f"\x00{number}"
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(first_row=number, rows=[])
            order.append(group)
        group.rows.append(row)
    for group in order:
        _group_check(group, labels)
    return Report(
        kind=table.kind,
        encoding=table.encoding,
        headers=headers,
        mapping=mapping,
        rows_read=len(table.rows),
        empty_rows=table.empty_rows,
        file_problems=file_problems,
        notices=notices,
        groups=order,
    )


def _group_check(group: Group, labels: dict[str, str]) -> None:
    main = group.rows[0]
    relationship_label = labels.get("relationship", "")
    if main.person.get("relationship", "") not in ("", Relationship.SELF):
        main.problems.append(
            Problem(
                main.number,
                relationship_label,
                _("The first row of a group is the main applicant: write self or leave it empty."),
            )
        )
    main.person["relationship"] = Relationship.SELF
    for row in group.rows[1:]:
        if row.person.get("relationship") in ("", None, Relationship.SELF):
            row.person["relationship"] = Relationship.OTHER
    for row in group.rows[MAX_GROUP_SIZE:]:
        row.problems.append(
            Problem(
                row.number,
                labels.get("group", ""),
                _("A group has at most 10 people; this row is the 11th or later."),
            )
        )
    # The consent of the main applicant's row covers the group (a family agrees together).
    if main.consent.get("consent_given_on", "").startswith("?"):
        main.consent["consent_given_on"] = ""
        main.problems.append(
            Problem(
                main.number,
                labels.get("consent_given_on", ""),
                _("Write the date as YYYY-MM-DD, DD/MM/YYYY or DD.MM.YYYY (day first)."),
            )
        )
    else:
        try:
            group.consent = consent_clean(main.consent)
        except ValidationFailed as exc:  # one problem per consent column
            for key, messages in exc.errors.items():
                for message in messages:
                    main.problems.append(
                        Problem(
                            main.number,
                            labels.get(key, ""),
                            _("No consent recorded: %(reason)s") % {"reason": message},
                            str(main.consent.get(key, "")),
                        )
                    )
    if any(r.problems for r in group.rows) and len(group.rows) > 1:
        for row in group.rows:
            if not row.problems:
                row.problems.append(
                    Problem(
                        row.number,
                        "",
                        _("Not imported: another row of group “%(group)s” has errors.")
                        % {"group": row.group},
                    )
                )


def duplicate_key(person: dict[str, Any]) -> tuple[str, str, dt.date | None]:
    return (
        str(person.get("given_names", "")).casefold(),
        str(person.get("family_names", "")).casefold(),
        person.get("date_of_birth"),
    )
