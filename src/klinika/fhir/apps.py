from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "klinika.fhir"
    label = "fhir"
    verbose_name = "FHIR"
