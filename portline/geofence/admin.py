"""Service-area versions in the admin: add a version; a version in force is read-only.

Location checks and signals hold personal data (where someone was) and are not shown here:
program administrators work with configuration, not with people's records.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from portline.audit.admin import AuditedModelAdmin
from portline.common import clock
from portline.common.errors import ApplicationError, ValidationFailed
from portline.geofence import services
from portline.geofence.models import ServiceAreaPolicy
from portline.geofence.selectors import state_choices


class ServiceAreaPolicyForm(forms.ModelForm):
    states_mexican_nationals = forms.MultipleChoiceField(
        label=_("States where Mexican nationals may request"),
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    states_others = forms.MultipleChoiceField(
        label=_("States where everyone else may request"),
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )

    class Meta:
        model = ServiceAreaPolicy
        fields = [
            "name",
            "effective_from",
            "effective_to",
            "states_mexican_nationals",
            "states_others",
            "source",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("states_mexican_nationals", "states_others"):
            if name in self.fields:
                self.fields[name].choices = state_choices()

    def clean_effective_from(self):
        value = self.cleaned_data.get("effective_from")
        if value is not None and value <= clock.now():
            raise ValidationError(
                _(
                    "A new or changed version must take effect in the future: versions in force never change."
                )
            )
        return value


@admin.register(ServiceAreaPolicy)
class ServiceAreaPolicyAdmin(AuditedModelAdmin):
    form = ServiceAreaPolicyForm
    list_display = ["version", "name", "effective_from", "effective_to", "in_force"]
    ordering = ["-effective_from"]
    readonly_fields = ["version", "created_at", "created_by"]

    @admin.display(boolean=True, description=_("in force now"))
    def in_force(self, obj: ServiceAreaPolicy) -> bool:
        now = clock.now()
        return obj.effective_from <= now and (obj.effective_to is None or now < obj.effective_to)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.has_taken_effect():
            return [*(f.name for f in ServiceAreaPolicy._meta.concrete_fields if f.name != "id")]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in services.POLICY_FIELDS
            if name in form.cleaned_data
        }
        try:
            if change:
                saved = services.policy_version_update(actor=request.user, policy=obj, data=data)
            else:
                saved = services.policy_version_create(actor=request.user, data=data)
        except ValidationFailed as exc:
            messages.error(
                request,
                "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
                or str(exc.message),
            )
            raise ApplicationAdminRefusal from exc
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            raise ApplicationAdminRefusal from exc
        obj.pk, obj.version = saved.pk, saved.version

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationAdminRefusal:
            return HttpResponseRedirect(request.get_full_path())


class ApplicationAdminRefusal(Exception):
    """A service refused an admin save; the message is already queued for the user."""
