from django.apps import AppConfig


class ApplicantPortalConfig(AppConfig):
    name = "portline.portals.applicant"
    label = "portal_applicant"
