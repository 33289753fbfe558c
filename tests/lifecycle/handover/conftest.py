"""A small generated clinic with everything an export holds: patients with signed visits,
measurements and allergies, e-documents (from the generator), an attachment, and a signed audit
checkpoint. Everyone in it is generated."""
import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from klinika.audit.services import checkpoint
from klinika.records.services import attachments
from klinika.staff.models import Practitioner, Profession
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth_clinic import build_clinic

FIXED_NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
SCAN = (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% wynik badania, wygenerowany\n" + bytes(range(256)) * 40
        + b"\n%%EOF\n")


@dataclass
class Exportable:
    clinic: object
    attachment: object
    scan: bytes
    report: object


def _exportable(name, slug, seed=7) -> Exportable:
    report = build_clinic(name, slug=slug, patients=5, years=0.5, seed=seed, batch_size=5,
                          today=datetime.date(2026, 2, 20))
    clinic = report.clinic
    with clinic_context(clinic):
        doctor = (Practitioner.objects.select_related("staff__user").filter(profession=Profession.DOCTOR)
                  .order_by("pk").first())
        from klinika.patients.models import Patient

        patient = Patient.objects.order_by("pk").first()
        attachment = attachments.upload(doctor.staff.user, patient.pk,
                                        SimpleUploadedFile("wynik morfologii (1).pdf", SCAN, "application/pdf"))
        checkpoint(clinic.pk)
    return Exportable(clinic, attachment, SCAN, report)


@pytest.fixture
def file_store(settings, tmp_path):
    location = tmp_path / "attachments-store"
    settings.STORAGES = {**settings.STORAGES, "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    return location


@pytest.fixture
def exportable(db, file_store) -> Exportable:
    return _exportable("Przychodnia Eksportowa", "eksport")


@pytest.fixture
def make_exportable(db, file_store):
    return _exportable


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def tree(root) -> dict:
    """Every file under root: relative path -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
