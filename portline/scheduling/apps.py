from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "portline.scheduling"
    label = "scheduling"
