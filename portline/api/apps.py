from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "portline.api"
    label = "api"
