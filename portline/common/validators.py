"""Field validators shared by models, forms and the API (one place for each rule)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portline.common import clock
from portline.common.countries import PERSON_LANGUAGES, is_country
from portline.common.names import name_normalise

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY".split()
)
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")
OLDEST_YEARS = 120


def validate_country(value: str) -> None:
    if value and not is_country(value):
        raise ValidationError(
            _("“%(value)s” is not a known country code."),
            code="unknown_country",
            params={"value": value},
        )


def validate_birth_date(value: dt.date) -> None:
    today = clock.now().date()
    if value > today:
        raise ValidationError(_("A date of birth cannot be in the future."), code="future_date")
    if value < today.replace(year=today.year - OLDEST_YEARS):
        raise ValidationError(
            _("Please check the year: this person would be over %(years)s years old."),
            code="too_old",
            params={"years": OLDEST_YEARS},
        )


def validate_us_state(value: str) -> None:
    if value and value not in US_STATES:
        raise ValidationError(_("Choose a US state."), code="unknown_state")


def validate_us_zip(value: str) -> None:
    if value and not _ZIP.match(value):
        raise ValidationError(_("A ZIP code has five digits, e.g. 78520."), code="bad_zip")


def validate_phone(value: str) -> None:
    if value and not _PHONE.match(value):
        raise ValidationError(
            _("Write the phone number with its country code, e.g. +52 55 1234 5678."),
            code="bad_phone",
        )


def validate_person_language(value: str) -> None:
    if value not in PERSON_LANGUAGES:
        raise ValidationError(_("Choose a language from the list."), code="unknown_language")


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s().-]", "", value or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits


def clean_name(value: str | None) -> str:
    """A person's name in its normal form (portline.common.names). Raises ValidationError for
    input that is empty once invisible characters and spaces are gone; '' stays ''."""
    normal = name_normalise(value)
    if (value or "").strip() and not normal:
        raise ValidationError(
            _("A name needs at least one letter (invisible characters do not count)."),
            code="empty_name",
        )
    return normal
