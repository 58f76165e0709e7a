from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portline.audit"
    label = "audit"
