"""The bulk paths the handover import added to the domain services: consents of stored patients, e-documents
that keep their own numbers, and an attachment brought with its bytes."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from klinika.accounts.models import User
from klinika.audit.context import Actor
from klinika.bulk import ImportRejected
from klinika.edocs.models import Referral
from klinika.edocs.services.bulk import import_documents
from klinika.edocs.services.numbering import next_number
from klinika.patients.models import Patient
from klinika.patients.services.bulk import import_consents
from klinika.records.models import Attachment, Encounter
from klinika.records.services import attachments
from klinika.tenancy.context import clinic_context
from tests.records import files

pytestmark = pytest.mark.django_db
ACTOR = Actor(None, "test")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_consents_follow_the_desks_rules_and_keep_their_date(generated):
    with clinic_context(generated):
        without_phone = next(p for p in Patient.objects.order_by("pk") if not p.phone)
        with_phone = next(p for p in Patient.objects.order_by("pk") if p.phone)
    with pytest.raises(ImportRejected, match="row 1, phone: Consent to SMS messages needs a phone number"):
        import_consents(generated, [{"patient_id": with_phone.pk, "consent_sms": True},
                                    {"patient_id": without_phone.pk, "consent_sms": True}], actor=ACTOR)
    with clinic_context(generated):
        assert not Patient.objects.get(pk=with_phone.pk).consent_sms  # the refused chunk stored nothing
    when = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=datetime.UTC)
    import_consents(generated, [{"patient_id": with_phone.pk, "consent_sms": True, "preferred_channel": "sms",
                                 "consent_updated_at": when}], actor=ACTOR)
    with clinic_context(generated):
        stored = Patient.objects.get(pk=with_phone.pk)
        assert (stored.consent_sms, stored.preferred_channel, stored.consent_updated_at) == (True, "sms", when)


def _referral_row(visit, number):
    return {"kind": "ref", "encounter_id": visit.pk, "issued_at": visit.started_at + datetime.timedelta(minutes=5),
            "numbers": [number], "data": {"kind": "02.11", "icd10": "I10", "purpose": "Konsultacja kardiologiczna",
                                          "target_specialty": "0748"}}


def test_documents_keep_their_own_numbers_and_the_sequence_moves_past_them(generated):
    with clinic_context(generated):
        visit = Encounter.objects.order_by("-started_at").first()
    year = visit.started_at.year
    import_documents(generated, [_referral_row(visit, f"SK-{year}-000900")], actor=ACTOR)
    with clinic_context(generated):
        assert Referral.objects.filter(number=f"SK-{year}-000900", status="imported").exists()
        with transaction.atomic():
            assert next_number("ref", year=year) == f"SK-{year}-000901"
    with pytest.raises(ImportRejected, match=f"row 0, numbers: The number SK-{year}-000900 is already used"):
        import_documents(generated, [_referral_row(visit, f"SK-{year}-000900")], actor=ACTOR)
    with pytest.raises(ImportRejected, match="row 0, numbers: Give one number per document"):
        import_documents(generated, [_referral_row(visit, "RX-2026-000001")], actor=ACTOR)


def test_an_attachment_is_stored_encrypted_with_who_and_when(generated, file_store):
    uploaded = timezone.now() - datetime.timedelta(days=400)
    with clinic_context(generated):
        person = Patient.objects.order_by("pk").first()
        doctor = User.objects.filter(clinic=generated, role="doctor").first()
        with pytest.raises(ValidationError, match="Only PDF, JPEG and PNG"):
            attachments.import_attachment(generated, patient_id=person.pk, data=files.exe(), kind="scan",
                                          original_name="wirus.exe", uploaded_by_id=doctor.pk)
        stored = attachments.import_attachment(generated, patient_id=person.pk, data=files.pdf(), kind="lab",
                                               original_name="Wynik – żółtaczka.pdf", uploaded_by_id=doctor.pk,
                                               uploaded_at=uploaded)
        assert Attachment.objects.count() == 4  # the fixture's three, and this one
        assert files.SECRET not in (file_store / stored.storage_name).read_bytes()
        again = Attachment.objects.get(pk=stored.pk)
        assert (again.uploaded_at, again.original_name, again.size) == (uploaded, "Wynik – żółtaczka.pdf",
                                                                         len(files.pdf()))
        assert b"".join(attachments.download(doctor, stored.public_id).chunks) == files.pdf()
