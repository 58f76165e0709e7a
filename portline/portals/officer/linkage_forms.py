from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portline.linkage.models import AdjudicationDecision


class AdjudicationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect, choices=AdjudicationDecision.choices
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
