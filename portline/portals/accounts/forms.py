"""Forms of the account pages: they parse input; the account services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portline.common.countries import interface_language_choices


class NewPasswordForm(forms.Form):
    """A new account's password (typed twice) and language: signing up, or joining an
    organization from an invitation."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters. Use a password you do not use anywhere else."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(
        label=_("Language for messages"), choices=interface_language_choices
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password_confirm")
            and data["password"] != data["password_confirm"]
        ):
            self.add_error("password_confirm", _("The two passwords are not the same."))
        return data


class SignUpForm(NewPasswordForm):
    login = forms.CharField(
        label=_("E-mail or phone number"),
        max_length=254,
        help_text=_("A phone number starts with its country code, e.g. +52 55 1234 5678."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    field_order = ["login", "password", "password_confirm", "language"]


class LogInForm(forms.Form):
    login = forms.CharField(
        label=_("E-mail or phone number"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
            }
        ),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=interface_language_choices)
