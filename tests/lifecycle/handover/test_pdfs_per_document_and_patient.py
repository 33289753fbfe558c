"""One PDF per e-document and per patient, named by ids only; the patient's history PDF carries
their visits, and the plaintext manifest carries no one's name or PESEL. Attachments keep their
original bytes."""
import io
import json

import pytest
from pypdf import PdfReader

from klinika.edocs.models import Prescription, Referral, SickLeave
from klinika.lifecycle.handover.services import export_clinic
from klinika.patients.models import Patient
from klinika.records.models import Encounter
from klinika.tenancy.context import clinic_context
from tests.lifecycle.handover.conftest import FIXED_NOW

pytestmark = pytest.mark.django_db


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_pdfs_exist_per_document_and_patient(exportable, tmp_path):
    out = tmp_path / "export"
    export_clinic(exportable.clinic, out, now=FIXED_NOW)
    with clinic_context(exportable.clinic):
        documents = ([f"documents/rx-{pk}.pdf" for pk in Prescription.objects.values_list("pk", flat=True)]
                     + [f"documents/ref-{pk}.pdf" for pk in Referral.objects.values_list("pk", flat=True)]
                     + [f"documents/zla-{pk}.pdf" for pk in SickLeave.objects.values_list("pk", flat=True)])
        patients = list(Patient.objects.order_by("pk"))
        signed = Encounter.objects.filter(status="signed").select_related("patient").first()
        people = [(p.first_name, p.last_name, p.pesel) for p in patients]
    assert documents
    for path in documents:
        assert (out / path).read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in (out / "patients").iterdir()) == sorted(f"patient-{p.pk}.pdf" for p in patients)

    history = _text(out / f"patients/patient-{signed.patient_id}.pdf")
    first, last, pesel = next(person for person, p in zip(people, patients, strict=True) if p.pk == signed.patient_id)
    assert f"{first} {last}" in history and (not pesel or pesel in history)
    assert "Historia wizyt" in history and "Rozpoznania (ICD-10)" in history  # Polish, like every printout
    assert "02.03.2026" in history or "2026-03-02" in history or "02-03-2026" in history  # the export's date

    rx = _text(out / documents[0])
    assert "imported history" not in rx and "poza systemem klinika" in rx  # its own status, in Polish

    manifest = (out / "manifest.json").read_text()
    for first, last, pesel in people:
        assert last not in manifest and first not in manifest
        assert not pesel or pesel not in manifest
    for entry in json.loads(manifest)["files"]:
        assert not any(name in entry["path"] for _f, name, _p in people)


def test_attachment_keeps_its_original_bytes(exportable, tmp_path):
    out = tmp_path / "export"
    export_clinic(exportable.clinic, out)
    attachment = exportable.attachment
    assert (out / f"attachments/{attachment.public_id}/file.pdf").read_bytes() == exportable.scan
    assert (out / f"patients/patient-{attachment.patient_id}.pdf").exists()
    assert f"attachments/{attachment.public_id}/file.pdf" in _text(
        out / f"patients/patient-{attachment.patient_id}.pdf").replace("\n", "")
