from django.apps import AppConfig


class EdocsConfig(AppConfig):
    name = "klinika.edocs"
    label = "edocs"
