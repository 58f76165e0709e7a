from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portline.complaints.models import ComplaintKind, ComplaintStatus
from portline.scheduling.selectors import ports_active


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What happened?"), choices=ComplaintKind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("Tell us what happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Who asked, for what, how much, how you were contacted. Do not send money."),
    )
    people_named = forms.CharField(
        label=_("Who asked? (names, roles, descriptions, phone numbers)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    port = forms.ChoiceField(label=_("Which port is it about?"), required=False)
    place = forms.CharField(label=_("Where did it happen?"), max_length=200, required=False)
    happened_on = forms.DateField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    anonymous = forms.BooleanField(
        label=_("Stay anonymous: keep no account, name or contact with this report"),
        required=False,
        initial=True,
    )
    contact = forms.CharField(
        label=_("If you are not anonymous: how can we reach you? (phone or e-mail)"),
        max_length=200,
        required=False,
    )
    # A field people never see; software that fills every field fills it too.
    website = forms.CharField(label=_("Leave this empty"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["port"].choices = [("", _("Not about a port / I do not know"))] + [
            (str(p.pk), p.name) for p in ports_active()
        ]


class StatusForm(forms.Form):
    code = forms.CharField(label=_("Receipt code"), max_length=20)


class TriageForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ComplaintStatus.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ComplaintStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("What happened"), required=False, choices=[("", _("All")), *ComplaintKind.choices]
    )
