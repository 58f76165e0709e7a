from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "portline.privacy"
    label = "privacy"
