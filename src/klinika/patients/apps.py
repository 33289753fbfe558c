from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "klinika.patients"
    label = "patients"
    verbose_name = "Patients"
