from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "klinika.lifecycle"
    label = "lifecycle"
    verbose_name = "Clinic lifecycle"
