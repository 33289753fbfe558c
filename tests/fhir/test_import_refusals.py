"""Bad input to ImportSession: a clear error naming the resource type, the resource and the problem, and
nothing of the refused resource (or its chunk) stored."""
import json

import pytest
from django.utils import translation

from klinika.fhir import handover
from klinika.fhir.handover import ImportFailed, ImportSession
from klinika.lifecycle.services import create_clinic
from klinika.patients.models import Patient
from klinika.records.models import Attachment
from klinika.tenancy.context import clinic_context
from tests.fhir.handover_support import export
from tests.records import files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Operators read import errors in English (the CLI's language); the messages are the msgids."""
    with translation.override("en"):
        yield


def _lines(directory, resource_type):
    return [json.loads(line) for line in (directory / "fhir" / f"{resource_type}.ndjson").read_text().splitlines()]


def _patients(clinic) -> int:
    with clinic_context(clinic):
        return Patient.objects.count()


def test_invalid_fhir_is_refused_by_type_line_and_id(clinic):
    session = ImportSession(clinic, lambda url: b"")
    with pytest.raises(ImportFailed, match=r"Patient #2 \(id '7'\): not valid FHIR R4"):
        session.load("Patient", [{"resourceType": "Patient", "id": "6", "birthDate": "2001-01-01"},
                                 {"resourceType": "Patient", "id": "7", "birthDate": "the 3rd of May"}])
    with pytest.raises(ImportFailed, match="Patient #1: not a Patient resource"):
        session.load("Patient", [{"resourceType": "Practitioner", "id": "1"}])
    with pytest.raises(ImportFailed, match="Unknown resource type 'Basic'"):
        session.load("Basic", [])
    assert _patients(clinic) == 0


def test_a_patient_the_desk_would_refuse_stores_nothing_of_its_chunk(generated, tmp_path, make_clinic):
    export(generated, tmp_path)
    patients = _lines(tmp_path, "Patient")
    patients[3]["identifier"] = [{"system": "urn:oid:2.16.840.1.113883.3.4424.1.1.616", "value": "12345678901"}]
    fresh = make_clinic()
    session = ImportSession(fresh, lambda url: b"")
    for resource_type in ("Organization", "Practitioner", "PractitionerRole"):
        session.load(resource_type, _lines(tmp_path, resource_type))
    with pytest.raises(ImportFailed, match=r"Patient: 1 row\(s\) refused.*row 3, pesel"):
        session.load("Patient", patients)
    assert _patients(fresh) == 0


def _import_until_documents(generated, tmp_path, read):
    fresh = create_clinic("Przychodnia Nowa", "fhir-refusals")
    session = ImportSession(fresh, read)
    for resource_type in handover.RESOURCE_TYPES[:handover.RESOURCE_TYPES.index("DocumentReference")]:
        session.load(resource_type, _lines(tmp_path, resource_type))
    return fresh, session


def test_a_missing_attachment_file_is_named(generated, tmp_path):
    export(generated, tmp_path)

    def read(url):
        raise FileNotFoundError(url)

    fresh, session = _import_until_documents(generated, tmp_path, read)
    with pytest.raises(ImportFailed, match=r"DocumentReference a\d+: its file 'attachments/.*' cannot be read"):
        session.load("DocumentReference", _lines(tmp_path, "DocumentReference"))
    with clinic_context(fresh):
        assert not Attachment.objects.exists()


def test_an_attachment_that_is_no_pdf_jpeg_or_png_is_refused(generated, tmp_path):
    export(generated, tmp_path)
    fresh, session = _import_until_documents(generated, tmp_path, lambda url: files.exe())
    with pytest.raises(ImportFailed, match=r"DocumentReference a\d+: Only PDF, JPEG and PNG files"):
        session.load("DocumentReference", _lines(tmp_path, "DocumentReference"))
    with clinic_context(fresh):
        assert not Attachment.objects.exists()
