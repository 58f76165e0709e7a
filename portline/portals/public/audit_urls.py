from django.urls import path

from portline.portals.public import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.index, name="index"),
    path("key", audit_views.public_key, name="key"),
    path("roots/<str:day>.json", audit_views.root_file, name="root"),
]
