from django.urls import path

from portline.portals.complaints import views

app_name = "complaints"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/status/", views.report_status, name="status"),
    path("oversight/", views.queue, name="queue"),
    path("oversight/<int:complaint_id>/", views.detail, name="detail"),
]
