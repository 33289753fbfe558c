from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "klinika.records"
    label = "records"
