from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "klinika.notify"
    label = "notify"

    def ready(self):
        from klinika.notify import checks

        checks.register()
