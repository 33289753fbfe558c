from django.apps import AppConfig


class PlainappConfig(AppConfig):
    name = "bench.plainapp"
    label = "benchplain"
    verbose_name = "Bench: plaintext twin of Patient"
