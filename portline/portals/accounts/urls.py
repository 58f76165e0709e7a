from django.urls import path

from portline.portals.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.login, name="login"),
    path("verify/", views.second_factor, name="second_factor"),
    path("authenticator/", views.setup, name="setup"),
    path("logout/", views.logout, name="logout"),
    path("language/", views.language, name="language"),
]
