"""Input and output schemas of API v1. Inputs only parse and bound values; the services
validate the domain rules (countries, dates of birth, group size) and answer 422."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.conf import settings
from ninja import Header, Schema
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, WithJsonSchema

from portline.common.countries import COUNTRY_CODES
from portline.common.validators import PERSON_LANGUAGES, US_STATES, normalise_phone
from portline.registrations.models import (
    EvidenceKind,
    EyeColour,
    Gender,
    MaritalStatus,
    Relationship,
    RequestBasis,
)


def _storable(value: str) -> str:
    """Text every database can store: no NUL byte, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("not valid Unicode text") from exc
    return value


def Text(max_length: int, *, min_length: int = 0) -> Any:  # reads as a type in the schemas below
    # The pattern states in the schema what _storable refuses (no NUL character).
    return Annotated[
        str,
        Field(max_length=max_length, min_length=min_length, pattern=r"^[^\x00]*$"),
        AfterValidator(_storable),
    ]


def _date_text(value: Any) -> Any:
    """A date is sent as YYYY-MM-DD text (pydantic would also read a number as a timestamp)."""
    if not isinstance(value, str | dt.date):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


# A date as the schema says: text in YYYY-MM-DD form.
DateText = Annotated[dt.date, BeforeValidator(_date_text)]
# A phone number with its country code, written as people write it ("+52 55 1234 5678",
# "0052-55-1234-5678"): the pages' own normaliser (portline.common.validators.normalise_phone)
# turns it into the stored form (+525512345678); the service checks that. Empty clears it.
# Every text the pattern allows normalises to the stored form, so the service never refuses
# what the schema accepts.
PHONE_PATTERN = r"^((\+|00)[1-9]([ ().-]*[0-9]){7,14}[ ().-]*)?$"
Phone = Annotated[
    str,
    Field(
        max_length=40,
        pattern=PHONE_PATTERN,
        description="With its country code; spaces, dashes, dots and brackets are fine, "
        "e.g. +52 55 1234 5678. Answered in the stored form, +525512345678.",
    ),
    AfterValidator(normalise_phone),
]
# An e-mail address, or empty to clear it.
Email = Annotated[
    str,
    Field(max_length=254),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "email", "maxLength": 254},
                {"type": "string", "maxLength": 0},
            ]
        }
    ),
]


def _one_of(values: list[str], max_length: int) -> Any:
    """Text the schema lists exactly; the model's validator refuses anything else with its own
    message ("… is not a known country code")."""
    return Annotated[str, Field(max_length=max_length, json_schema_extra={"enum": ["", *values]})]


CountryCode = _one_of(sorted(COUNTRY_CODES), 2)  # ISO 3166-1 alpha-2
UsState = _one_of(sorted(US_STATES), 2)
PersonLanguage = _one_of(list(PERSON_LANGUAGES), 8)


REFERENCE_PATTERN = r"^[A-Z0-9]{1,16}$"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,64}$"  # 1-64 visible ASCII characters


def optional_idempotency_key() -> Any:
    """The optional `Idempotency-Key` header of a create other than an appointment request's
    (where it is required): docs/api.md, "Idempotency"."""
    return Header(
        None,
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Optional, and recommended: 1-64 visible ASCII characters, new for each new "
        "create (e.g. a UUID). A retry by the same account with the same key and input answers "
        "200 with what the first call made and creates nothing (a proxy may replay a POST whose "
        "server died after it committed); the same key with other input answers 409 "
        "`idempotency_key_reused`.",
    )


MAX_ID = 2**63 - 1


# The interface languages (settings.LANGUAGES), as an exact enum in the schema: a new
# language needs no change here.
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
if TYPE_CHECKING:
    Language = str
else:
    Language = Literal[LANGUAGE_CODES]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class Pages(PageNumberPagination):
    """`?page=1&page_size=20` (at most 100 a page); answers `{"items": [...], "count": n}`."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=100)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=20, max_page_size=100, **kwargs)


# Accounts -------------------------------------------------------------------------------


class SignUpIn(InputSchema):
    login: Text(254) = Field(
        ..., description="An e-mail address or a phone number with its country code (+52…)."
    )
    password: Text(128) = Field(..., description="At least 10 characters, not a common password.")
    display_name: Text(150) = ""
    language: Language = Field(
        settings.LANGUAGE_CODE,
        description="The language for messages: " + ", ".join(LANGUAGE_CODES) + ".",
    )


class SignUpOut(Schema):
    """The same whether the login was free or already had an account (no enumeration)."""

    login: str = Field(..., description="The login in its normal form.")
    display_name: str
    role: str
    preferred_language: str
    second_factor: bool = Field(
        False, description="Always false: set up the authenticator next (`/auth/totp/start`)."
    )


class CredentialsIn(InputSchema):
    login: Text(254)
    password: Text(128)


class TotpConfirmIn(CredentialsIn):
    code: Text(16) = Field(..., description="The 6-digit code the authenticator app shows now.")
    name: Text(100) = Field(
        "", description="A label for the API token this call issues, e.g. the device."
    )


class TokenIn(CredentialsIn):
    code: Text(16) = Field(
        ..., description="The authenticator's current code, or an unused backup code."
    )
    name: Text(100) = Field("", description="A label for this token, e.g. the device.")


class MeIn(InputSchema):
    language: Language = Field(
        ..., description="The language to read Portline in: " + ", ".join(LANGUAGE_CODES) + "."
    )


class UserOut(Schema):
    id: int
    login: str
    display_name: str
    role: str
    preferred_language: str
    partner: str | None = Field(None, description="Partner organization (partner staff).")
    port: str | None = Field(None, description="Port code (port staff).")
    second_factor: bool

    @staticmethod
    def resolve_partner(obj: Any) -> str | None:
        return obj.partner.name if obj.partner_id else None

    @staticmethod
    def resolve_port(obj: Any) -> str | None:
        return obj.port.code if obj.port_id else None

    @staticmethod
    def resolve_second_factor(obj: Any) -> bool:
        from portline.accounts.services import user_has_second_factor

        return user_has_second_factor(obj)


class TotpStartOut(Schema):
    secret: str = Field(..., description="Base32 secret for manual entry in the authenticator app.")
    otpauth_uri: str = Field(..., description="otpauth:// URI (show it as a QR code).")


class BackupCodesOut(Schema):
    backup_codes: list[str] = Field(..., description="One-time codes; shown once, keep them safe.")


class TotpConfirmOut(BackupCodesOut):
    token: str = Field(
        ...,
        description="An API token, issued with the same code (which proves the second factor): "
        "sign-up is complete. Send as `Authorization: Bearer <token>`. Shown once.",
    )
    expires_at: dt.datetime


class TokenOut(Schema):
    token: str = Field(..., description="Send as `Authorization: Bearer <token>`. Shown once.")
    expires_at: dt.datetime


# Ports ----------------------------------------------------------------------------------


class PortOut(Schema):
    code: str
    name: str
    mexican_city: str
    time_zone: str
    daily_capacity: int
    opens_at: str = Field(..., description="First appointment, HH:MM in the port's time zone.")
    closes_at: str = Field(..., description="Last appointment ends, HH:MM in the port's time zone.")

    @staticmethod
    def resolve_opens_at(obj: Any) -> str:
        return obj.opens_at.strftime("%H:%M")

    @staticmethod
    def resolve_closes_at(obj: Any) -> str:
        return obj.closes_at.strftime("%H:%M")


# Registrations --------------------------------------------------------------------------


class ConsentIn(InputSchema):
    """A person's consent that the caller's organization acts for them."""

    medium: Literal["paper", "screen"] = Field(..., description="How the person agreed.")
    language: Annotated[str, Field(max_length=8)] = Field(
        ..., description="Language code of the consent statement the person read."
    )
    given_on: dt.date = Field(..., description="The day consent was given.")
    applicant_login: Annotated[str, Field(max_length=254)] | None = Field(
        None, description="The person's own applicant account (e-mail or phone), if any."
    )


class RegistrationIn(InputSchema):
    basis: RequestBasis | None = None
    basis_statement: Text(4000) | None = None
    us_address_line1: Text(200) | None = None
    us_address_line2: Text(200) | None = None
    us_city: Text(100) | None = None
    us_state: UsState | None = Field(None, description="Two-letter US state code.")
    us_zip: Annotated[str, Field(pattern=r"^([0-9]{5}(-[0-9]{4})?)?$")] | None = Field(
        None, description="Five digits, or five and four: 78520 or 78520-1234."
    )
    sponsor_name: Text(200) | None = None
    sponsor_phone: Phone | None = Field(
        None, description="With its country code: +52 55 1234 5678."
    )


class RegistrationCreateIn(RegistrationIn):
    consent: ConsentIn | None = Field(
        None,
        description="Partner staff: the person's recorded consent (required; refused without).",
    )


class ReadinessOut(Schema):
    ready: bool
    group: list[str] = Field(..., description="What the group still lacks.")
    people: dict[int, list[str]] = Field(
        ..., description="What each person (by position) still lacks."
    )


class RegistrationOut(Schema):
    reference: str
    status: str
    basis: str
    basis_statement: str
    us_address_line1: str
    us_address_line2: str
    us_city: str
    us_state: str
    us_zip: str
    sponsor_name: str
    sponsor_phone: str
    people: int
    partner: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_people(obj: Any) -> int:
        counted = getattr(obj, "people_count", None)  # annotated by list queries
        return counted if counted is not None else obj.people.count()

    @staticmethod
    def resolve_partner(obj: Any) -> str | None:
        return obj.partner.name if obj.partner_id else None


class RegistrationDetailOut(RegistrationOut):
    readiness: ReadinessOut | None = Field(
        None, description="Present while the registration is a draft."
    )

    @staticmethod
    def resolve_readiness(obj: Any) -> dict | None:
        if obj.status != "draft":
            return None
        from portline.registrations.selectors import registration_readiness

        readiness = registration_readiness(obj)
        return {
            "ready": readiness.ready,
            "group": [str(m) for m in readiness.group],
            "people": {k: [str(m) for m in v] for k, v in readiness.people.items()},
        }


# People ---------------------------------------------------------------------------------


class PersonIn(InputSchema):
    relationship: Relationship = Field(
        None, description="To the first person; defaults to self (person 1) or other."
    )
    given_names: Text(100) | None = None
    family_names: Text(100) | None = None
    date_of_birth: DateText | None = Field(
        None, description="YYYY-MM-DD; not in the future, at most 120 years ago."
    )
    city_of_birth: Text(100) | None = None
    country_of_birth: CountryCode | None = Field(
        None, description="ISO 3166-1 alpha-2 code, e.g. HN."
    )
    nationality: CountryCode | None = Field(None, description="ISO 3166-1 alpha-2 code.")
    country_of_residence: CountryCode | None = Field(None, description="ISO 3166-1 alpha-2 code.")
    gender: Gender | None = None
    preferred_language: PersonLanguage | None = Field(
        None, description="ISO 639-1 code, e.g. es, ht."
    )
    email: Email | None = Field(None, description="An e-mail address (empty clears it).")
    phone: Phone | None = Field(None, description="With its country code, e.g. +525512345678.")
    foreign_address: Text(500) | None = None
    travel_history: Text(2000) | None = None
    height_cm: int | None = Field(None, ge=40, le=250)
    weight_kg: int | None = Field(None, ge=2, le=300)
    eye_colour: EyeColour | None = None
    id_document_type: Text(50) | None = None
    id_document_number: Text(50) | None = None
    id_document_country: CountryCode | None = None
    employment: Text(200) | None = None
    emergency_contact_name: Text(200) | None = None
    emergency_contact_phone: Phone | None = None
    marital_status: MaritalStatus | None = None
    declared_criminal_history: Text(2000) | None = None


class PersonOut(Schema):
    registration: str
    position: int
    relationship: str
    given_names: str
    family_names: str
    date_of_birth: dt.date | None
    city_of_birth: str
    country_of_birth: str
    nationality: str
    country_of_residence: str
    gender: str
    preferred_language: str
    email: str
    phone: str
    foreign_address: str
    travel_history: str
    height_cm: int | None
    weight_kg: int | None
    eye_colour: str
    id_document_type: str
    id_document_number: str
    id_document_country: str
    employment: str
    emergency_contact_name: str
    emergency_contact_phone: str
    marital_status: str
    declared_criminal_history: str

    @staticmethod
    def resolve_registration(obj: Any) -> str:
        return obj.registration.reference


# Evidence -------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id: int
    registration: str
    person: int | None = Field(None, description="Position of the person it is about, if any.")
    kind: EvidenceKind
    content_type: str
    size: int
    sha256: str
    original_name: str
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_registration(obj: Any) -> str:
        return obj.registration.reference

    @staticmethod
    def resolve_person(obj: Any) -> int | None:
        return obj.person.position if obj.person_id else None


# Appointment requests -------------------------------------------------------------------


class AppointmentRequestIn(InputSchema):
    registration: Annotated[str, Field(pattern=REFERENCE_PATTERN)] = Field(
        ..., description="The registration's reference."
    )
    first_port: Text(8, min_length=1) = Field(..., description="Port code, e.g. SYS.")
    second_port: Text(8) | None = Field(None, description="Optional second choice.")
    latitude: float | None = Field(
        None,
        description="Where the applicant is now (needed for applicants; partner staff may leave it out).",
        ge=-90,
        le=90,
        allow_inf_nan=False,
    )
    longitude: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    accuracy_m: float | None = Field(None, ge=0, le=1_000_000, allow_inf_nan=False)
    device_hash: Text(256) = Field(
        "", description="Optional hash of a device identifier (integrity signals)."
    )
    declared_state: Text(8) = Field(
        "",
        description="Without a location: the state where the applicant is (a code from "
        "`GET /places`, e.g. MX-BCN). The request is judged by that state and marked for review.",
    )
    declared_city: Text(80) = Field(
        "",
        description="With `declared_state`: a city of that state from `GET /places`, or empty "
        "for another place in the state.",
    )


class AppointmentRequestOut(Schema):
    id: int
    registration: str
    round_date: dt.date
    first_port: str
    second_port: str | None
    status: str
    idempotency_key: str
    created_at: dt.datetime
    declared_state: str = Field(
        "", description="The state declared instead of a checked location (empty: checked)."
    )
    declared_city: str = ""

    @staticmethod
    def resolve_registration(obj: Any) -> str:
        return obj.registration.reference

    @staticmethod
    def resolve_first_port(obj: Any) -> str:
        return obj.first_port.code

    @staticmethod
    def resolve_second_port(obj: Any) -> str | None:
        return obj.second_port.code if obj.second_port_id else None


class PlaceOut(Schema):
    state: str = Field(..., description="ISO 3166-2 code, e.g. MX-BCN.")
    state_name: str
    city: str = Field(..., description="Empty: another place in the state.")
