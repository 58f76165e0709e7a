"""Forms of the officer console and of the released person's pages: parsing only; the rules
live in portline.inspection.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portline.inspection.models import (
    DecisionKind,
    IdentityMethod,
    IdentityResult,
    ReasonCode,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("QR code or confirmation number"),
        max_length=2000,
        help_text=_("Scan the QR code with the handheld scanner, or type the confirmation number."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
    )


class WalkUpForm(forms.Form):
    reference = forms.CharField(
        label=_("Registration reference (if the person has one)"), max_length=16, required=False
    )
    position = forms.IntegerField(
        label=_("Person number in the group"), min_value=1, max_value=10, required=False, initial=1
    )
    name = forms.CharField(
        label=_("Name (if the person has no registration)"), max_length=200, required=False
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IdentityForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=IdentityResult.choices, widget=forms.RadioSelect
    )
    method = forms.ChoiceField(
        label=_("Method"),
        widget=forms.RadioSelect,
        choices=[(k, v) for k, v in IdentityMethod.choices if k != IdentityMethod.FACE_MODEL],
    )
    document_examined = forms.CharField(
        label=_("Document examined (optional)"), max_length=100, required=False
    )
    note = forms.CharField(
        label=_("Note (required when identity could not be verified: say why)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HitForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Adjudication"),
        widget=forms.RadioSelect,
        choices=[
            ("true_match", _("True match: this is the listed person")),
            ("false_match", _("False match: not the listed person")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Decision"), choices=DecisionKind.choices)
    reason_code = forms.ChoiceField(
        label=_("Reason code"), choices=[("", "—"), *ReasonCode.choices], required=False
    )
    reason_text = forms.CharField(
        label=_("Reason in words (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    term_months = forms.IntegerField(
        label=_("Parole term in months (parole only)"), required=False, min_value=1
    )
    reporting_interval_days = forms.IntegerField(
        label=_("Days between check-ins (parole only)"), required=False, min_value=1
    )
    address_reporting = forms.BooleanField(
        label=_("Must report changes of address (parole only)"), required=False, initial=True
    )
    court_placeholder = forms.CharField(
        label=_("Immigration court (optional)"), max_length=200, required=False
    )


class ReviewForm(forms.Form):
    approve = forms.ChoiceField(
        label=_("Review"),
        widget=forms.RadioSelect,
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckInForm(forms.Form):
    selfie = forms.FileField(
        label=_("Photo of yourself (optional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "user"}
        ),
    )
    latitude = forms.CharField(label=_("Latitude (optional)"), required=False, max_length=32)
    longitude = forms.CharField(label=_("Longitude (optional)"), required=False, max_length=32)
    accuracy_m = forms.CharField(
        label=_("Accuracy in metres (optional)"), required=False, max_length=32
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class AddressForm(forms.Form):
    line1 = forms.CharField(label=_("Street address"), max_length=200, required=False)
    line2 = forms.CharField(label=_("Apartment, suite (optional)"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.CharField(label=_("State (two letters)"), max_length=2, required=False)
    zip_code = forms.CharField(label=_("ZIP code"), max_length=10, required=False)
    moved_on = forms.DateField(
        label=_("Date you moved"), widget=forms.DateInput(attrs={"type": "date"})
    )
