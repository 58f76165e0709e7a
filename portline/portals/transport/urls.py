from django.urls import path

from portline.portals.transport import views

app_name = "transport"
urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan, name="plan"),
    path("vehicles/<int:vehicle_id>/", views.vehicle, name="vehicle"),
    path("vehicles/<int:vehicle_id>/board/", views.board, name="board"),
    path("vehicles/<int:vehicle_id>/manifest.pdf", views.manifest_pdf, name="manifest_pdf"),
    path("vehicles/<int:vehicle_id>/manifest.csv", views.manifest_csv, name="manifest_csv"),
    path("port/", views.port_home, name="port_home"),
    path("port/vehicles/<int:vehicle_id>/", views.handover, name="handover"),
]
