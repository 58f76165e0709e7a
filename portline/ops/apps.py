from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "portline.ops"
    label = "ops"
    verbose_name = "Operations"
