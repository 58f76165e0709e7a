from django.apps import AppConfig


class TransportPortalConfig(AppConfig):
    name = "portline.portals.transport"
    label = "portal_transport"
