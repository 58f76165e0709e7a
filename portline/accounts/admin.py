from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from portline.accounts.models import StaffInvitation, User
from portline.accounts.services import partner_organization_reinstate, partner_organization_suspend
from portline.audit.admin import AuditedModelAdmin, is_program_admin
from portline.partners.admin import PartnerOrganizationAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    """Accounts are listed without personal fields; passwords are never shown or set here.
    Every partner organization's staff can be listed by organization."""

    list_display = ["id", "role", "partner", "port", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "partner"]
    fields = ["role", "display_name", "partner", "port", "is_active"]
    readonly_fields: list[str] = []

    def has_add_permission(self, request):
        return (
            False  # staff accounts: `portline accounts create-staff` (sets the password privately)
        )


@admin.register(StaffInvitation)
class StaffInvitationAdmin(AuditedModelAdmin):
    """Who invited whom into which organization (read-only; the secret is never stored)."""

    list_display = ["id", "partner", "role", "created_by", "created_at", "expires_at", "used_at"]
    list_filter = ["partner", "role"]
    # Neither the secret's hash nor the invited e-mail or phone is shown.
    readonly_fields = [
        f.name for f in StaffInvitation._meta.fields if f.name not in ("key_hash", "login")
    ]
    exclude = ["key_hash", "login"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_program_admin(request)


@admin.action(description=_("Suspend the selected organizations (sessions and tokens end)"))
def organizations_suspend(modeladmin, request, queryset):
    for organization in queryset:
        partner_organization_suspend(actor=request.user, organization=organization)
    messages.success(request, _("Suspended."))


@admin.action(description=_("Lift the suspension of the selected organizations"))
def organizations_reinstate(modeladmin, request, queryset):
    for organization in queryset:
        partner_organization_reinstate(actor=request.user, organization=organization)
    messages.success(request, _("Reinstated."))


PartnerOrganizationAdmin.actions = [organizations_suspend, organizations_reinstate]
