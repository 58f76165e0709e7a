from django.apps import AppConfig


class PublicPortalConfig(AppConfig):
    name = "portline.portals.public"
    label = "portal_public"
