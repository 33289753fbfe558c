from django.apps import AppConfig


class BreachConfig(AppConfig):
    name = "klinika.breach"
    label = "breach"
    verbose_name = "Breach response"
