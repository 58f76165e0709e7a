from django.urls import path

from portline.portals.applicant import views

app_name = "applicant"
urlpatterns = [
    path("", views.home, name="home"),
]
