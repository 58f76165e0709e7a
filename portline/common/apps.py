from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "portline.common"
    label = "common"
