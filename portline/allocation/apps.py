from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "portline.allocation"
    label = "allocation"
