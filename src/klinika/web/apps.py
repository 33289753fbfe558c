from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "klinika.web"
    label = "web"
    verbose_name = "Staff UI shell"

    def ready(self):
        from klinika.web import checks

        checks.register()
