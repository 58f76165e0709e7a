from django.contrib import admin

from portline.audit.admin import AuditedModelAdmin
from portline.scheduling.models import Port, ProgramSettings


@admin.register(Port)
class PortAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "mexican_city", "time_zone", "daily_capacity", "active"]
    list_editable = ["daily_capacity", "active"]
    ordering = ["name"]


@admin.register(ProgramSettings)
class ProgramSettingsAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False  # one row, created by migration
