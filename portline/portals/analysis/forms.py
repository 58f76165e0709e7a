from django import forms
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The end of the range is before its start."))
        return data


def _share(label, initial: str) -> forms.DecimalField:
    """A probability or share between 0 and 1, two decimals."""
    return forms.DecimalField(
        label=label, min_value=0, max_value=1, decimal_places=2, initial=initial
    )


class SimulationForm(forms.Form):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=120, initial=30)
    daily_requests = forms.IntegerField(
        label=_("Units asking on day one"), min_value=0, max_value=300_000, initial=20_000
    )
    capacity = forms.IntegerField(
        label=_("Places a day (all ports)"), min_value=0, max_value=20_000, initial=1_450
    )
    split = _share(_("Share for the longest-waiting (0 to 1)"), "0.5")
    repeat_rate = _share(_("Chance a waiting unit asks each day (0 to 1)"), "0.8")
    confirm_rate = _share(_("Chance a selected unit confirms (0 to 1)"), "0.9")
    no_show_rate = _share(_("Chance a confirmed unit does not come (0 to 1)"), "0.05")
    seed = forms.IntegerField(label=_("Seed"), min_value=0, initial=1)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            key: float(value)
            if key in {"split", "repeat_rate", "confirm_rate", "no_show_rate"}
            else value
            for key, value in data.items()
        }
