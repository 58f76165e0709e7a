from django.contrib import admin

from portline.audit.models import AuditRecord
from portline.common.admin import is_program_admin


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor_role", "actor_id", "target_type", "target_id"]
    list_filter = ["action", "actor_role"]
    search_fields = ["action", "target_id"]

    def has_module_permission(self, request):
        return is_program_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_program_admin(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
