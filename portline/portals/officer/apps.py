from django.apps import AppConfig


class OfficerPortalConfig(AppConfig):
    name = "portline.portals.officer"
    label = "portal_officer"
