from django import forms
from django.utils.translation import gettext_lazy as _

REFERENCE_PATTERN = r"^[A-Za-z0-9]{1,16}$"


class HoldForm(forms.Form):
    reference = forms.RegexField(
        label=_("Registration reference"), regex=REFERENCE_PATTERN, max_length=16
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class DeletionForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that the registration and its documents will be deleted and cannot "
            "be recovered."
        ),
        required=True,
    )
