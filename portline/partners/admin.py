from django.contrib import admin

from portline.audit.admin import AuditedModelAdmin
from portline.partners.models import PartnerOrganization


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(AuditedModelAdmin):
    """Organizations. Suspension is not a field to edit: the actions on the list (see
    portline.accounts.admin) suspend or reinstate an organization with everything it entails."""

    list_display = ["name", "kind", "city", "contact", "active"]
    list_filter = ["kind", "active"]
    readonly_fields = ["active"]
