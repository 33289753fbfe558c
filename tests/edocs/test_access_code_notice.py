"""The patient gets the access code by SMS (or e-mail) once the platform registered the document;
the text names the clinic and the code, never the drug or the diagnosis."""
import pytest
from django.core import mail  # noqa: F401  (the file backend is configured by the conftest)

from klinika.edocs import services
from klinika.edocs.models import DocumentEvent
from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.edocs.issuing import signed_package, signed_referral
from tests.edocs.world import amoxicillin_item

pytestmark = pytest.mark.django_db


def test_the_prescription_sms_has_the_code_and_no_drug(world):
    package = signed_package(world, items=[amoxicillin_item()])
    [sms] = read_outbox()
    assert sms["text"].startswith(f"{world.clinic.name}: kod dostępu do e-recepty: {package.access_code}. ")
    assert "PESEL" in sms["text"]
    assert "Amoxicillin" not in sms["text"] and world.patient_data["pesel"] not in sms["text"]
    with clinic_context(world.clinic):
        message = OutboundMessage.objects.get()
        assert message.purpose == "access-code" and message.reference == f"edocs:rx:{package.pk}"


def test_the_referral_sms_names_no_diagnosis(world):
    referral = signed_referral(world)
    [sms] = read_outbox()
    assert referral.access_code in sms["text"] and "e-skierowania" in sms["text"]
    assert "J20" not in sms["text"] and "RTG" not in sms["text"]


def test_no_consent_means_no_message_and_a_note_in_the_history(world):
    with clinic_context(world.clinic):
        Patient.objects.filter(pk=world.patient.pk).update(consent_sms=False)
    package = signed_package(world)
    assert read_outbox() == []
    with clinic_context(world.clinic):
        rx = package.prescriptions.first()
        details = list(DocumentEvent.objects.filter(kind="rx", document_id=rx.pk).values_list("detail", flat=True))
    assert "access code not sent: no consent or no contact for sms" in details


def test_the_doctor_can_send_the_code_again(world):
    package = signed_package(world)
    with clinic_context(world.clinic):
        services.resend_access_code(world.doctor, "rx", package.pk)
    assert len(read_outbox()) == 2 and read_outbox()[0]["text"] == read_outbox()[1]["text"]
