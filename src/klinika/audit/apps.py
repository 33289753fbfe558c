from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "klinika.audit"
    label = "audit"
    verbose_name = "Audit trail"
