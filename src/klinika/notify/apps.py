from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "klinika.notify"
    label = "notify"
