from django.apps import AppConfig


class PrivacyPortalConfig(AppConfig):
    name = "portline.portals.privacy"
    label = "portal_privacy"
