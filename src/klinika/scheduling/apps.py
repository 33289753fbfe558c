from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "klinika.scheduling"
    label = "scheduling"
