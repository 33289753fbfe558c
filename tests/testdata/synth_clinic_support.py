"""Shared by the test_synth_command_* files: a small synthetic clinic built by `klinika synth` in process."""
import datetime

from django.core.management import call_command

from klinika.tenancy.models import Clinic

TODAY = datetime.date.today()


def synth(name: str, *, seed: int = 11, patients: int = 300, years: float = 1) -> Clinic:
    call_command("synth", clinic=name, patients=patients, years=years, seed=seed, batch_size=300)
    return Clinic.objects.get(name=name)
