from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "portline.inspection"
    label = "inspection"
