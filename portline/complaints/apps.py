from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "portline.complaints"
    label = "complaints"
