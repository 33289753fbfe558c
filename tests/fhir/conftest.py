"""A small generated clinic (klinika synth: staff, hours, leave, patients with guardians, appointments,
signed visits, measurements, allergies, e-documents) plus a few attachments, for the FHIR tests."""
import datetime
import itertools

import pytest
from django.utils import timezone

from klinika.accounts.models import User
from klinika.audit.context import Actor
from klinika.patients.models import Patient
from klinika.patients.services.bulk import import_consents, import_patients
from klinika.records.models import Encounter
from klinika.records.services import attachments
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth_clinic import build_clinic
from tests.records import files

_slugs = itertools.count(1)


@pytest.fixture
def file_store(settings, tmp_path):
    location = tmp_path / "attachments"
    settings.STORAGES = {**settings.STORAGES, "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    return location


@pytest.fixture
def generated(db, file_store):
    """The clinic (built with a fixed seed) with three attachments: a PDF of a visit, a PNG and a JPEG
    with Polish names."""
    n = next(_slugs)
    report = build_clinic(f"Przychodnia Źródlana {n}", patients=40, years=0.3, seed=7, slug=f"fhir-gen-{n}",
                          today=timezone.localdate() - datetime.timedelta(days=1))
    add_awkward_patients(report.clinic)
    with clinic_context(report.clinic):
        doctor = User.objects.filter(clinic=report.clinic, role="doctor").order_by("pk").first()
        visit = Encounter.objects.order_by("pk").first()
        people = list(Patient.objects.order_by("pk")[:2])
        attachments.upload(doctor, visit.patient_id, files.upload(files.pdf(padding=70_000), "Wynik morfologii.pdf"),
                           kind="lab", description="Morfologia krwi, wynik prawidłowy", encounter_id=visit.pk)
        attachments.upload(doctor, people[0].pk, files.upload(files.png(), "zdjęcie żółć ąę.png", "image/png"),
                           kind="image")
        attachments.upload(doctor, people[1].pk, files.upload(files.jpeg(), "skan/../../skierowanie.jpg",
                                                              "image/jpeg"), kind="scan", description="Skan")
    return report.clinic


AWKWARD = [
    # a foreigner: no PESEL, a passport of another country, Polish diacritics everywhere, every contact
    {"id": "x1", "first_name": "Żaneta Łucja", "last_name": "Gęślą-Źdźbło", "sex": "F", "birth_date": "1980-05-17",
     "document_type": "passport", "document_number": "C01X00T47", "document_country": "DE",
     "phone": "+48 600 100 200", "email": "zaneta.gesla@example.pl",
     "address": {"street": "ul. Świętokrzyska", "building": "12a", "apartment": "7", "postal_code": "00-916",
                 "city": "Łódź", "country": "PL"}},
    # a Polish ID card and nothing optional: no address, no phone, no e-mail
    {"id": "x2", "first_name": "Ścibor", "last_name": "Ćwikła", "sex": "M", "birth_date": "1971-01-30",
     "document_type": "id_card", "document_number": "ABA300000"},
]


def add_awkward_patients(clinic):
    result = import_patients(clinic, AWKWARD, actor=Actor(None, "test"))
    import_consents(clinic, [{"patient_id": result.ids["x1"], "consent_sms": True, "consent_email": True,
                              "preferred_channel": "email"}], actor=Actor(None, "test"))
    return result.ids
