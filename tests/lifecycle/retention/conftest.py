"""A small clinic (tests/records/world.py) with patients whose documentation is made old on purpose."""
import datetime

import pytest
from django.utils import timezone, translation

from klinika.patients.models import Patient
from klinika.records.models import Attachment, VitalSigns
from klinika.records.services import attachments
from klinika.tenancy.context import clinic_context
from tests.records import files
from tests.records.world import build


def at(year, month=6, day=15, hour=12, minute=0) -> datetime.datetime:
    """A moment in Poland's time zone (the one retention years are counted in)."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(clinic, people):
    return build(clinic, people)


@pytest.fixture
def file_store(settings, tmp_path):
    location = tmp_path / "attachments"
    settings.STORAGES = {**settings.STORAGES, "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    return location


class Old:
    """Makes patients and entries with the dates a test needs (the services stamp "now")."""

    def __init__(self, world, people):
        self.world, self.people = world, people

    def patient(self, registered, **fields) -> Patient:
        with clinic_context(self.world.clinic):
            # Born long before the dates the tests use (the generator's birth dates are random).
            patient = Patient(**(self.people.patient() | {"birth_date": datetime.date(1950, 1, 1)} | fields))
            patient.save()
            Patient.objects.filter(pk=patient.pk).update(created_at=registered)
        return patient

    def measurement(self, patient, when) -> VitalSigns:
        with clinic_context(self.world.clinic):
            vitals = VitalSigns(patient=patient, values={"pulse": 72}, recorded_by=self.world.users["nurse"],
                                recorded_at=when)
            vitals.save()
        return vitals

    def attachment(self, patient, when, kind=Attachment.Kind.XRAY) -> Attachment:
        with clinic_context(self.world.clinic):
            attachment = attachments.upload(self.world.users["nurse"], patient.pk, files.upload(files.png(),
                                            name="rtg.png", content_type="image/png"), kind=kind)
            Attachment.objects.filter(pk=attachment.pk).update(uploaded_at=when)
            attachment.refresh_from_db()
        return attachment


@pytest.fixture
def old(world, people):
    return Old(world, people)
