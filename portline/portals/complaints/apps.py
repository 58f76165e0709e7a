from django.apps import AppConfig


class ComplaintsPortalConfig(AppConfig):
    name = "portline.portals.complaints"
    label = "portal_complaints"
