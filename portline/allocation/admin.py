"""Rounds in the admin: read-only. Rounds change only through `portline lottery ...` (audited)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portline.allocation.models import Round
from portline.audit.admin import AuditedModelAdmin


@admin.register(Round)
class RoundAdmin(AuditedModelAdmin):
    list_display = (
        "round_date",
        "status",
        "request_count",
        "people_count",
        "capacity",
        "selected_requests",
        "selected_people",
        "reserved_people",
        "standby_requests",
        "beacon",
        "short_fingerprint",
    )
    list_filter = ("status", "beacon_source")
    date_hierarchy = "round_date"
    ordering = ("-round_date",)
    # The salt is secret (it links request hashes to requests); the packed entries are large.
    exclude = ("request_salt", "entries")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("capacity"))
    def capacity(self, obj: Round) -> int:
        return obj.capacity_total

    @admin.display(description=_("beacon"))
    def beacon(self, obj: Round) -> str:
        label = f"{obj.beacon_source} {obj.beacon_round}"
        return label + " (" + str(_("local/demo")) + ")" if obj.is_local_beacon else label

    @admin.display(description=_("fingerprint"))
    def short_fingerprint(self, obj: Round) -> str:
        return obj.fingerprint[:16] + "…"
