from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "portline.integrity"
    label = "integrity"
