from django.contrib import admin

from portline.linkage.models import LinkAdjudication, LinkageRun, PersonCluster


@admin.register(LinkageRun)
class LinkageRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "started_at", "backend", "record_count", "link_count", "cluster_count")
    exclude = ("model",)
    readonly_fields = [f.name for f in LinkageRun._meta.fields if f.name != "model"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PersonCluster)
class PersonClusterAdmin(admin.ModelAdmin):
    list_display = ("run", "number", "size", "min_probability")
    list_filter = ("run",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LinkAdjudication)
class LinkAdjudicationAdmin(admin.ModelAdmin):
    """Read-only: adjudications are made on the supervisor's pages, audited."""

    list_display = ("left_key", "right_key", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
