from django.contrib import admin

from portline.accounts.models import User
from portline.audit.admin import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    """Accounts are listed without personal fields; passwords are never shown or set here."""

    list_display = ["id", "role", "partner", "port", "is_active", "date_joined"]
    list_filter = ["role", "is_active"]
    fields = ["role", "display_name", "partner", "port", "is_active"]
    readonly_fields: list[str] = []

    def has_add_permission(self, request):
        return (
            False  # staff accounts: `portline accounts create-staff` (sets the password privately)
        )
