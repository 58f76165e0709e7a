from django.apps import AppConfig


class PartnerPortalConfig(AppConfig):
    name = "portline.portals.partner"
    label = "portal_partner"
