"""Read-only admin views of watchlists and screening records (changes go through services)."""

from django.contrib import admin

from portline.audit.admin import AuditedModelAdmin
from portline.screening.models import ScreeningHit, ScreeningRun, Watchlist, WatchlistEntry


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Watchlist)
class WatchlistAdmin(ReadOnlyAdmin):
    list_display = ("name", "version", "entry_count", "is_active", "imported_at", "source")
    search_fields = ("name", "source")


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(ReadOnlyAdmin):
    list_display = ("primary_name", "watchlist", "list_version", "external_id", "reason")
    list_filter = ("watchlist",)
    search_fields = ("primary_name", "external_id")
    list_select_related = ("watchlist",)
    show_full_result_count = False  # lists hold up to millions of rows


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "trigger", "hit_count", "engine_version")
    list_filter = ("trigger",)


@admin.register(ScreeningHit)
class ScreeningHitAdmin(ReadOnlyAdmin):
    list_display = ("id", "run", "rank", "score", "status", "adjudicated_at")
    list_filter = ("status",)
    raw_id_fields = ("run", "entry")
