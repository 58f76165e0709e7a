from django.apps import AppConfig


class AnalysisPortalConfig(AppConfig):
    name = "portline.portals.analysis"
    label = "portal_analysis"
