"""Forms of the supervisor's integrity pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portline.integrity.models import FlagKind, FlagSeverity, FlagState
from portline.partners.selectors import partner_organizations
from portline.scheduling.selectors import ports_all


class FlagFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *FlagKind.choices]
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("All")), *FlagSeverity.choices]
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Open or under review")), *FlagState.choices],
    )
    port = forms.ModelChoiceField(
        label=_("Port"), required=False, queryset=ports_all(), empty_label=_("All")
    )
    partner = forms.ModelChoiceField(
        label=_("Partner organization"),
        required=False,
        queryset=partner_organizations(),
        empty_label=_("All"),
    )


class FlagDecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (FlagState.CLEARED, _("Clear: the pattern has an innocent explanation")),
            (FlagState.CONFIRMED, _("Confirm: the pattern needs action")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
