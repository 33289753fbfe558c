from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "klinika.staff"
    label = "staff"
