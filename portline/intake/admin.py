from django.contrib import admin

from portline.audit.admin import AuditedModelAdmin
from portline.intake.models import BulkImport, SubmissionBatch


class _ReadOnly(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SubmissionBatch)
class SubmissionBatchAdmin(_ReadOnly):
    """Every organization's batches (counts; the people stay on the scoped pages)."""

    list_display = ["id", "partner", "cutoff_at", "created_at"]
    list_filter = ["partner"]
    date_hierarchy = "cutoff_at"


@admin.register(BulkImport)
class BulkImportAdmin(_ReadOnly):
    """Every committed file: organization, staff member, rows entered and left out."""

    list_display = [
        "id",
        "partner",
        "staff",
        "batch",
        "rows_read",
        "rows_imported",
        "rows_refused",
        "registrations",
        "created_at",
    ]
    list_filter = ["partner"]
    readonly_fields = [f.name for f in BulkImport._meta.fields]
