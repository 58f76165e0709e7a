from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "portline.intake"
    label = "intake"
    verbose_name = "Partner intake"
