from django.urls import path

from portline.portals.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
]
