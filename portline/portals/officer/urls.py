from django.urls import path

from portline.portals.officer import views

app_name = "officer"
urlpatterns = [
    path("", views.home, name="home"),
]
