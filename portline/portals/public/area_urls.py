from django.urls import path

from portline.portals.public import area_views

app_name = "area"
urlpatterns = [
    path("", area_views.area_index, name="index"),
    path("map/<int:version>/<str:group>.svg", area_views.area_map, name="map"),
]
