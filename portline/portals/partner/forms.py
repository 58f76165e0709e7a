"""Forms of the partner pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portline.accounts.models import Role
from portline.intake.columns import COLUMNS
from portline.portals.accounts.forms import NewPasswordForm
from portline.registrations.models import ConsentMedium


class ConsentForm(forms.Form):
    """The person's consent, recorded when a staff member starts a registration for them."""

    consent_medium = forms.ChoiceField(
        label=_("How the person agreed"),
        choices=ConsentMedium.choices,
        widget=forms.RadioSelect,
    )
    consent_language = forms.ChoiceField(
        label=_("Language of the statement the person read"), choices=settings.LANGUAGES
    )
    consent_given_on = forms.DateField(
        label=_("Date consent was given"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    applicant_login = forms.CharField(
        label=_("The person's own Portline account (optional)"),
        required=False,
        max_length=254,
        help_text=_(
            "Their e-mail or phone, if they have an applicant account: they will then see in "
            "their pages that your organization acts for them, and can withdraw it."
        ),
    )
    confirm = forms.BooleanField(
        label=_("The person read this statement and agreed to it."),
        required=True,
    )


class InviteForm(forms.Form):
    login = forms.CharField(
        label=_("E-mail or phone number of the new staff member"),
        max_length=254,
        help_text=_("A phone number starts with its country code, e.g. +52 55 1234 5678."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    display_name = forms.CharField(label=_("Their name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.PARTNER_STAFF, _("Staff: enters and follows people")),
            (Role.PARTNER_ADMIN, _("Administrator: manages staff only")),
        ],
        initial=Role.PARTNER_STAFF,
    )


class JoinForm(NewPasswordForm):
    display_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    field_order = ["display_name", "password", "password_confirm", "language"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Up to 10,000 rows. The first row names the columns."),
    )

    def __init__(self, *args, headers: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers or []
        choices = [("", _("(leave out)"))] + [(c.key, c.heading) for c in COLUMNS]
        for index, header in enumerate(self.headers):
            self.fields[f"map_{index}"] = forms.ChoiceField(
                label=header or "—", choices=choices, required=False
            )

    def mapping(self) -> list[str] | None:
        if not self.headers:
            return None
        return [self.cleaned_data.get(f"map_{i}", "") for i in range(len(self.headers))]
