from django.contrib import admin

from portline.audit.admin import AuditedModelAdmin
from portline.partners.models import PartnerOrganization


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "city", "contact", "active"]
    list_filter = ["kind", "active"]
