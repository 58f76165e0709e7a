from django.urls import path

from portline.portals.partner import views

app_name = "partner"
urlpatterns = [
    path("", views.home, name="home"),
    path("registrations/new/", views.registration_start, name="registration_start"),
]
