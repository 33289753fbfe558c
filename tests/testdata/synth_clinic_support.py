"""Shared by the test_synth_command_* files: a small synthetic clinic built by `klinika synth` in process."""
import datetime

from django.core.management import call_command

from klinika.tenancy.models import Clinic

TODAY = datetime.date.today()


def synth(name: str, *, seed: int = 11, patients: int = 300, years: float = 1) -> Clinic:
    call_command("synth", clinic=name, patients=patients, years=years, seed=seed, batch_size=300)
    return Clinic.objects.get(name=name)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def main_code(encounter) -> str:
    return next(d["code"] for d in encounter.current.content["diagnoses"] if d["main"])
