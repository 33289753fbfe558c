from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "klinika.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"
