"""Printouts are PDFs with the access code and a QR code of the document's id; printing is audited.

Decided: like the official "informacja o e-recepcie", a printout shows the patient's name and
PESEL (the pharmacy needs both with the code). Nothing personal goes into the file name, the
PDF's metadata or the QR code.
"""
import io

import pytest
from pypdf import PdfReader

from klinika.audit.models import AuditEvent
from klinika.edocs import printouts, services
from klinika.edocs.models import Prescription
from klinika.tenancy.context import clinic_context
from tests.edocs.clients import logged_in
from tests.edocs.issuing import signed_package, signed_referral, signed_sick_leave
from tests.edocs.world import amoxicillin_item, free_item

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _metadata(pdf: bytes) -> str:
    return " ".join(str(v) for v in (PdfReader(io.BytesIO(pdf)).metadata or {}).values())


def test_the_prescription_printout_has_the_code_the_pesel_and_each_drug(world):
    package = signed_package(world, items=[amoxicillin_item(), free_item()])
    response = logged_in(world.doctor).get(f"/edocs/rx/{package.pk}/print/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert package.access_code in text and world.patient_data["pesel"] in text
    assert "Amoxicillinum" in text and "Ramiprilum" in text
    with clinic_context(world.clinic):
        numbers = list(Prescription.objects.filter(package=package).values_list("number", flat=True))
        first = Prescription.objects.filter(package=package).order_by("pk").first()
        assert printouts.qr_payload("rx", [first]) == first.platform_id
        printed = AuditEvent.objects.filter(action="print", object_type="e-prescription-package",
                                            object_id=str(package.pk))
        assert printed.count() == 1 and printed.get().subject_ref == world.patient.subject_ref
    assert all(number in text for number in numbers)
    private = [world.patient_data["pesel"], world.patient_data["last_name"], world.patient_data["first_name"]]
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="e-recepta-{numbers[0]}.pdf"'
    assert not any(p in disposition or p in _metadata(pdf) or p in first.platform_id for p in private)


def test_referral_and_sick_leave_printouts(world):
    referral = signed_referral(world)
    leave = signed_sick_leave(world)
    with clinic_context(world.clinic):
        _name, referral_pdf = services.printout(world.doctor, "ref", referral.pk)
        name, leave_pdf = services.printout(world.doctor, "zla", leave.pk)
    assert referral.access_code in _text(referral_pdf) and "J20.9" in _text(referral_pdf)
    assert name == f"e-zla-{leave.number}.pdf" and "5260250274" in _text(leave_pdf)


def test_a_draft_or_cancelled_document_is_not_printed(world):
    with clinic_context(world.clinic):
        package = services.issue_prescriptions(world.doctor, encounter_id=world.encounter.pk, items=[free_item()])
    response = logged_in(world.doctor).get(f"/edocs/rx/{package.pk}/print/")
    assert response.status_code == 400
    assert "Only a signed document that is not cancelled can be printed." in response.content.decode()
