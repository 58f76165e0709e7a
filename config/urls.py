from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from portline.api.v1.api import api as api_v1

# An unreachable database answers 503 with Retry-After, not a bare 500 (docs/deployment.md).
handler500 = "portline.ops.views.server_error"

admin.site.site_header = "Portline administration"
admin.site.site_title = "Portline"

urlpatterns = [
    path("", include("portline.ops.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls),
    path("accounts/", include("portline.portals.accounts.urls")),
    path("apply/appointments/", include("portline.portals.applicant.appointment_urls")),
    path("apply/", include("portline.portals.applicant.urls")),
    path("partner/", include("portline.portals.partner.urls")),
    path("officer/", include("portline.portals.officer.urls")),
    path("area/", include("portline.portals.public.area_urls")),
    path("analysis/", include("portline.portals.analysis.urls")),
    path("transport/", include("portline.portals.transport.urls")),
    path("", include("portline.portals.complaints.urls")),
    path("audit/", include("portline.portals.public.audit_urls")),
    path("privacy/", include("portline.portals.privacy.urls")),
    path("", include("portline.portals.public.urls")),
]
