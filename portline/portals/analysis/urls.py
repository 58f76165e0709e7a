from django.urls import path

from portline.portals.analysis import views

app_name = "analysis"
urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<str:round_date>/", views.round_fairness_view, name="round"),
    path("operations/", views.operations, name="operations"),
    path("integrity/", views.integrity, name="integrity"),
    path("simulations/", views.simulations, name="simulations"),
    path("simulations/<int:run_id>/", views.simulation, name="simulation"),
]
