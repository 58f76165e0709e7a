from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "portline.screening"
    label = "screening"
