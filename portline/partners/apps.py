from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "portline.partners"
    label = "partners"
