from django.contrib import admin

from portline.audit.admin import AuditedModelAdmin
from portline.inspection.models import InspectionSettings


@admin.register(InspectionSettings)
class InspectionSettingsAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False  # one row, created by migration
