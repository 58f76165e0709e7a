from django.urls import path

from portline.portals.public import stats_views, views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/verifier/portline_verify.py", views.verifier_script, name="verifier"),
    path("rounds/<str:round_date>/", views.round_detail, name="round"),
    path("rounds/<str:round_date>/export/<str:name>", views.round_export_file, name="round_export"),
    path("statistics/", stats_views.statistics, name="statistics"),
    path(
        "statistics/data.<str:fmt>",
        stats_views.statistics_download,
        name="statistics_download",
    ),
]
