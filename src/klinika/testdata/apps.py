from django.apps import AppConfig


class TestdataConfig(AppConfig):
    name = "klinika.testdata"
    label = "testdata"
    verbose_name = "Synthetic test data"
