from django.urls import path

from portline.portals.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
]
