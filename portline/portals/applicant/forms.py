"""Forms of the applicant pages. They parse and show input; the services decide.

Every field is optional here: a draft is saved at every step, and what is still missing
before submission is listed by `registration_readiness`. Model validators (dates of birth,
countries, phone numbers, ZIP codes) run through the model forms, so a page shows the same
rule the service enforces, next to the field.
"""

from __future__ import annotations

import copy
import secrets
import unicodedata
from functools import cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portline.common.countries import (
    country_name,
    country_pairs,
    is_country,
    person_language_choices,
)
from portline.common.validators import US_STATES, clean_name, normalise_phone
from portline.geofence.selectors import declared_place_choices, declared_place_parse
from portline.registrations.models import EvidenceKind, Person, Registration
from portline.registrations.services import PERSON_FIELDS, REGISTRATION_FIELDS
from portline.scheduling.selectors import ports_active

EMPTY_CHOICE = ("", _("Choose…"))


# One list of country names per page, shared by every country field (a <datalist>): the person
# form has four country fields, and four full <select>s weighed 60 KB.
COUNTRY_LIST_ID = "country-names"


def _folded(text: str) -> str:
    """For matching a typed country name: case, accents and spacing do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@cache
def _country_lookup(language: str) -> dict[str, str]:
    lookup = {_folded(name): code for code, name in country_pairs("en")}
    lookup.update({_folded(name): code for code, name in country_pairs(language)})
    return lookup


def country_code_for(text: str, language: str | None = None) -> str | None:
    """The ISO code of a country typed by name (in the page's language or English) or code."""
    value = text.strip()
    if len(value) == 2 and is_country(value.upper()):
        return value.upper()
    return _country_lookup(language or get_language() or "en").get(_folded(value))


class CountryInput(forms.TextInput):
    """A text input offering the page's one list of country names; shows a stored code's name."""

    def __init__(self, attrs=None):
        super().__init__({"list": COUNTRY_LIST_ID, "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, str) and is_country(value):
            return country_name(value)
        return super().format_value(value)


class CountryField(forms.CharField):
    """A country typed or picked by name; cleaned to its ISO 3166-1 alpha-2 code."""

    widget = CountryInput
    default_error_messages = {
        "invalid_choice": forms.ChoiceField.default_error_messages["invalid_choice"]
    }

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return ""
        code = country_code_for(text)
        if code is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
            )
        return code


def country_list() -> list[str]:
    """The names offered by the page's country list, in the order of `country_pairs`."""
    return [name for _code, name in country_pairs()]


class DraftModelForm(forms.ModelForm):
    """A model form that never saves: views pass `cleaned_data` to a service."""

    phone_fields: tuple[str, ...] = ()
    country_fields: tuple[str, ...] = ()
    name_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        # Validation writes the typed values onto the instance: work on a copy, so the object
        # the view hands to the service still holds what is saved.
        if kwargs.get("instance") is not None:
            kwargs["instance"] = copy.copy(kwargs["instance"])
        super().__init__(*args, **kwargs)
        for name in self.country_fields:
            model_field = self._meta.model._meta.get_field(name)
            self.fields[name] = CountryField(
                label=model_field.verbose_name,
                required=False,
                help_text=_("Type the country's name, e.g. Honduras."),
            )
        for name in self.phone_fields:
            self.fields[name].widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
        for field in self.fields.values():
            field.required = False
            if isinstance(field, forms.TypedChoiceField | forms.ChoiceField) and field.choices:
                choices = list(field.choices)
                if choices[0][0] == "":
                    field.choices = [EMPTY_CHOICE, *choices[1:]]

    def clean(self):
        # Phone numbers are checked after normalising ("+52 55 1234 5678" is fine).
        cleaned = super().clean()
        for name in self.phone_fields:
            if cleaned.get(name):
                cleaned[name] = normalise_phone(cleaned[name])
        # Names in their normal form (no bidirectional or zero-width controls): what is shown
        # back is what is stored and screened.
        for name in self.name_fields:
            if isinstance(cleaned.get(name), str):
                try:
                    cleaned[name] = clean_name(cleaned[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned

    @property
    def country_names(self) -> list[str]:
        """For the page's one <datalist>, when the form has country fields."""
        return country_list() if self.country_fields else []

    def valid_data(self) -> dict:
        """The fields that passed validation, as the service expects them."""
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class GroupForm(DraftModelForm):
    phone_fields = ("sponsor_phone",)
    name_fields = ("sponsor_name",)

    class Meta:
        model = Registration
        fields = REGISTRATION_FIELDS
        widgets = {"basis_statement": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["us_state"] = forms.ChoiceField(
            label=Registration._meta.get_field("us_state").verbose_name,
            required=False,
            choices=[EMPTY_CHOICE, *[(code, code) for code in sorted(US_STATES)]],
        )
        self.fields["basis_statement"].label = _("In your own words (optional)")
        self.fields["us_address_line1"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["us_address_line2"].widget.attrs["autocomplete"] = "address-line2"
        self.fields["us_city"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["us_zip"].widget.attrs.update(
            {"autocomplete": "postal-code", "inputmode": "numeric"}
        )

    fieldsets = (
        (_("Why you are asking"), ("basis", "basis_statement")),
        (
            _("Where you will stay in the United States"),
            ("us_address_line1", "us_address_line2", "us_city", "us_state", "us_zip"),
        ),
        (_("US sponsor (optional)"), ("sponsor_name", "sponsor_phone")),
    )
    required_to_submit = ("basis", "us_address_line1", "us_city", "us_state", "us_zip")


class PersonForm(DraftModelForm):
    country_fields = (
        "country_of_birth",
        "nationality",
        "country_of_residence",
        "id_document_country",
    )
    phone_fields = ("phone", "emergency_contact_phone")
    name_fields = ("given_names", "family_names", "emergency_contact_name")

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "foreign_address": forms.Textarea(attrs={"rows": 3}),
            "travel_history": forms.Textarea(attrs={"rows": 3}),
            "declared_criminal_history": forms.Textarea(attrs={"rows": 3}),
        }

    fieldsets = (
        (
            _("Name and birth"),
            (
                "relationship",
                "given_names",
                "family_names",
                "date_of_birth",
                "city_of_birth",
                "country_of_birth",
            ),
        ),
        (
            _("Nationality and language"),
            (
                "nationality",
                "country_of_residence",
                "gender",
                "preferred_language",
                "marital_status",
            ),
        ),
        (
            _("Contact"),
            (
                "email",
                "phone",
                "foreign_address",
                "emergency_contact_name",
                "emergency_contact_phone",
            ),
        ),
        (_("Travel"), ("travel_history",)),
        (_("Description"), ("height_cm", "weight_kg", "eye_colour")),
        (
            _("Documents and background (optional)"),
            (
                "id_document_type",
                "id_document_number",
                "id_document_country",
                "employment",
                "declared_criminal_history",
            ),
        ),
    )
    required_to_submit = Person.REQUIRED_TO_SUBMIT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"] = forms.ChoiceField(
            label=Person._meta.get_field("preferred_language").verbose_name,
            required=False,
            choices=[EMPTY_CHOICE, *person_language_choices()],
        )
        # Always has a value (a select without an empty choice); the model refuses a blank one.
        self.fields["relationship"].required = True
        self.fields["relationship"].choices = Person._meta.get_field("relationship").choices
        self.fields["date_of_birth"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["date_of_birth"].help_text = _(
            "Use the date picker, or type year-month-day, e.g. 1990-05-17."
        )
        # One way to reach the main applicant is required: the labels must not say "optional".
        contact_help = _(
            "The first person needs a phone number or an e-mail address: at least one is required to submit."
        )
        self.fields["email"].label = _("e-mail")
        self.fields["phone"].label = _("phone")
        for name in ("email", "phone"):
            self.fields[name].help_text = contact_help
        self.fields["given_names"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        for name in ("height_cm", "weight_kg"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of document"), choices=[EMPTY_CHOICE, *EvidenceKind.choices]
    )
    person = forms.ChoiceField(label=_("Whose document is it?"), required=False)
    provider = forms.CharField(
        label=_("Issued or attested by (optional)"),
        help_text=_("The doctor, psychologist or police station named on the document."),
        required=False,
        max_length=200,
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.position): p for p in people}
        self.fields["file"].help_text = _("PDF, JPEG or PNG, at most %(mb)s MB.") % {
            "mb": settings.PORTLINE_MAX_UPLOAD_BYTES // (1024 * 1024),
        }
        self.fields["person"].choices = [
            ("", _("The whole group")),
            *[
                (
                    str(p.position),
                    p.full_name.strip() or _("Person %(number)s") % {"number": p.position},
                )
                for p in people
            ],
        ]

    def selected_person(self):
        return self.people.get(self.cleaned_data.get("person") or "")


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, I am sure"))


class RequestForm(forms.Form):
    first_port = forms.ModelChoiceField(
        label=_("Preferred port"), queryset=ports_active(), empty_label=_("Choose…")
    )
    second_port = forms.ModelChoiceField(
        label=_("Second choice (optional)"),
        queryset=ports_active(),
        required=False,
        empty_label=_("None"),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    latitude = forms.FloatField(
        widget=forms.HiddenInput, required=False, min_value=-90, max_value=90
    )
    longitude = forms.FloatField(
        widget=forms.HiddenInput, required=False, min_value=-180, max_value=180
    )
    accuracy = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=0)
    # Without a location check (no JavaScript, or location refused): the place the person is.
    place = forms.ChoiceField(
        label=_("Where are you now?"),
        required=False,
        help_text=_(
            "Choose your city, or another place in your state. The request is marked for review, "
            "and a checked location (from your phone) may be asked when you confirm."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", secrets.token_urlsafe(24))
        super().__init__(*args, **kwargs)
        self.fields["first_port"].queryset = ports_active()
        self.fields["second_port"].queryset = ports_active()
        self.fields["place"].choices = [EMPTY_CHOICE, *declared_place_choices()]

    def declared_place(self) -> tuple[str, str]:
        """(state, city) declared, or ("", "") when a location was sent or nothing chosen."""
        data = self.cleaned_data
        if data.get("latitude") is not None or not data.get("place"):
            return "", ""
        return declared_place_parse(data["place"]) or ("", "")

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("first_port"), cleaned.get("second_port")
        if first and second and first.pk == second.pk:
            self.add_error("second_port", _("Choose a different port or none."))
        return cleaned
