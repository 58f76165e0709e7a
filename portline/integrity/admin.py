"""Read-only admin views of integrity records: flags are decided in the supervisor's pages."""

from django.contrib import admin

from portline.integrity.models import Flag, ScanRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "severity", "state", "created_at", "assigned_to", "decided_by")
    list_filter = ("kind", "severity", "state")


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "started_at", "finished_at", "flags_created", "engine_version")
