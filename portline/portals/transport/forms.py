from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PlanForm(forms.Form):
    service_date = forms.DateField(
        label=_("Date of the appointments"), widget=forms.DateInput(attrs={"type": "date"})
    )
    departure_city = forms.ChoiceField(label=_("Departure city"), choices=())

    def __init__(self, *args, cities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departure_city"].choices = [(city, city) for city in cities]


class PortDayForm(forms.Form):
    service_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class HandoverForm(forms.Form):
    """One "present" box and one "someone else came" name per manifest entry, and the names
    of people who came without a place (one a line)."""

    extra_names = forms.CharField(
        label=_("People who came without a place on the manifest (one name a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = entries
        for entry in entries:
            self.fields[f"present_{entry.pk}"] = forms.BooleanField(
                label=_("%(name)s is here") % {"name": entry.person.full_name},
                required=False,
                initial=True,
            )
            self.fields[f"different_{entry.pk}"] = forms.CharField(
                label=_("Someone else came in this place: their name"),
                required=False,
                max_length=200,
            )

    def rows(self):
        return [
            (entry, self[f"present_{entry.pk}"], self[f"different_{entry.pk}"])
            for entry in self.entries
        ]

    def present_ids(self) -> list[int]:
        return [e.pk for e in self.entries if self.cleaned_data.get(f"present_{e.pk}")]

    def different(self) -> dict[int, str]:
        found = {}
        for entry in self.entries:
            name = (self.cleaned_data.get(f"different_{entry.pk}") or "").strip()
            if name:
                found[entry.pk] = name
        return found

    def extras(self) -> list[str]:
        return [
            line for line in self.cleaned_data.get("extra_names", "").splitlines() if line.strip()
        ]
