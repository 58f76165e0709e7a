"""The audit log in the admin (read-only), and the admin base class that audits every save.

Admin changes go through the audit log like every other state change.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from portline.audit.models import AuditRecord
from portline.audit.services import audit_record


def is_program_admin(request) -> bool:
    user = request.user
    return bool(user.is_active and user.role == "program_admin" and user.is_verified())


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin pages for program configuration: only a verified program administrator may use
    them (by role, not by per-model permission rows), and every save is audited."""

    def has_module_permission(self, request):
        return is_program_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_program_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_program_admin(request)

    def has_add_permission(self, request):
        return is_program_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False  # configuration rows are referenced by history; deactivate instead

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=f"admin.{obj._meta.model_name}.{'change' if change else 'create'}",
                target=obj,
                data={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                actor=request.user, action=f"admin.{obj._meta.model_name}.delete", target=obj
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user, action=f"admin.{obj._meta.model_name}.delete", target=obj
                )
            super().delete_queryset(request, queryset)


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
