from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "portline.registrations"
    label = "registrations"
