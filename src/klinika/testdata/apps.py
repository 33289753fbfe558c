from django.apps import AppConfig
from django.db.models.signals import post_save


def _clinic_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from klinika.testdata.datasets.services import record_local_clinic

        record_local_clinic(instance)


class TestdataConfig(AppConfig):
    name = "klinika.testdata"
    label = "testdata"
    verbose_name = "Synthetic test data"

    def ready(self):
        from klinika.tenancy.models import Clinic

        # A clinic made empty in a non-production instance holds nothing from production: recorded
        # at birth, the start-up guard lets it be (datasets/services.py, check_environment).
        post_save.connect(_clinic_created, sender=Clinic, dispatch_uid="testdata-clinic-provenance")
