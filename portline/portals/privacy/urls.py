from django.urls import path

from portline.portals.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("r/<str:reference>/", views.mine, name="mine"),
    path("r/<str:reference>/data.<str:fmt>", views.download, name="download"),
    path("r/<str:reference>/delete/", views.delete, name="delete"),
    path("access/", views.unusual, name="unusual"),
    path("holds/", views.holds, name="holds"),
    path("holds/lift/", views.hold_lift, name="hold_lift"),
    path("retention/", views.runs, name="runs"),
]
