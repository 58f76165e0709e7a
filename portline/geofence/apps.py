from django.apps import AppConfig


class GeofenceConfig(AppConfig):
    name = "portline.geofence"
    label = "geofence"
