from django.contrib import admin

from portline.audit.admin import AuditedModelAdmin
from portline.transport.models import Route


@admin.register(Route)
class RouteAdmin(AuditedModelAdmin):
    list_display = [
        "departure_city",
        "port",
        "operator_name",
        "operator_language",
        "travel_minutes",
        "margin_minutes",
        "vehicle_capacity",
        "active",
    ]
    list_filter = ["active", "port"]
    ordering = ["departure_city", "port__name"]
