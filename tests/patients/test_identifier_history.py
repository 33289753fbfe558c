"""A corrected PESEL or a new document keeps the old one on record, and search still finds it."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.audit.models import AuditEvent
from klinika.patients import services
from klinika.patients.models import IdentifierKind, Patient, PatientIdentifier
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_id_card, make_pesel

pytestmark = pytest.mark.django_db


def test_a_pesel_correction_keeps_the_old_one_and_search_finds_it_marked_as_former(register, registrar, clinic):
    old = make_pesel(datetime.date(1980, 2, 3), "F", serial=111)
    new = make_pesel(datetime.date(1980, 2, 3), "F", serial=222)
    patient = register(pesel=old)
    with clinic_context(clinic):
        services.update_patient(registrar, patient.pk, {"pesel": new}, identifier_reason="typo")
        rows = PatientIdentifier.objects.filter(patient=patient, kind=IdentifierKind.PESEL).order_by("pk")
        assert [(r.value, r.replaced_at is not None, r.reason) for r in rows] == [(old, True, "typo"), (new, False, "")]
        assert Patient.objects.get(pk=patient.pk).pesel == new

        by_old = services.search_patients(registrar, old)
        assert [(h.patient.pk, h.old_identifier) for h in by_old.hits] == [(patient.pk, True)]
        by_new = services.search_patients(registrar, new)
        assert [(h.patient.pk, h.old_identifier) for h in by_new.hits] == [(patient.pk, False)]
        event = AuditEvent.objects.filter(action="update", object_id=str(patient.pk)).get()
        assert "pesel" in event.reason and old not in event.reason and new not in event.reason


def test_a_sex_correction_changes_pesel_and_sex_together(register, registrar, clinic):
    patient = register(pesel=make_pesel(datetime.date(1980, 2, 3), "F"))
    corrected = make_pesel(datetime.date(1980, 2, 3), "M", serial=456)
    with clinic_context(clinic):
        services.update_patient(registrar, patient.pk, {"pesel": corrected, "first_name": "Adam"},
                                identifier_reason="official_change")
        assert Patient.objects.get(pk=patient.pk).sex == "M"


def test_changing_an_identifier_needs_a_reason_and_changes_nothing_without_one(register, registrar, clinic):
    patient = register()
    with clinic_context(clinic):
        with pytest.raises(ValidationError) as caught:
            services.update_patient(registrar, patient.pk, {"pesel": make_pesel(datetime.date(1980, 2, 3), "F", 9)})
        assert caught.value.message_dict == {"identifier_reason": ["Say why the PESEL or document changes."]}
        assert Patient.objects.get(pk=patient.pk).pesel == patient.pesel
        assert PatientIdentifier.objects.filter(patient=patient).count() == 1


def test_a_newborn_receiving_its_own_pesel(register, registrar, clinic):
    mother = register()
    born = timezone.localdate() - datetime.timedelta(days=20)
    with clinic_context(clinic):
        baby = services.register_patient(registrar, {
            "first_name": "Zosia", "last_name": "Kowalska", "pesel": mother.pesel, "pesel_is_mothers": True,
            "birth_date": born, "sex": "F", "guardian_id": mother.pk, "guardian_relation": "mother"})
        own = make_pesel(born, "F", serial=777)
        services.update_patient(registrar, baby.pk, {"pesel": own, "pesel_is_mothers": False},
                                identifier_reason="own_pesel")
        baby = Patient.objects.get(pk=baby.pk)
        assert (baby.pesel, baby.pesel_is_mothers, baby.birth_date) == (own, False, born)
        former = PatientIdentifier.objects.get(patient=baby, replaced_at__isnull=False)
        assert (former.value, former.reason) == (mother.pesel, "own_pesel")


def test_a_new_document_replaces_the_old_one_on_record(register, registrar, clinic):
    first, second = make_id_card("ABC", "12345"), make_id_card("DEF", "67890")
    patient = register(pesel="", document_type="id_card", document_number=first, birth_date="1980-02-03", sex="F")
    with clinic_context(clinic):
        services.update_patient(registrar, patient.pk, {"document_number": second}, identifier_reason="new_document")
        assert [h.old_identifier for h in services.search_patients(registrar, first).hits] == [True]
        assert [h.old_identifier for h in services.search_patients(registrar, second).hits] == [False]


def test_the_card_shows_current_and_former_identifiers(register, registrar, clinic, client_for):
    old = make_pesel(datetime.date(1980, 2, 3), "F", serial=111)
    patient = register(pesel=old)
    with clinic_context(clinic):
        services.update_patient(registrar, patient.pk, {"pesel": make_pesel(datetime.date(1980, 2, 3), "F", 222)},
                                identifier_reason="typo")
    html = client_for(registrar).get(f"/patients/{patient.pk}/").content.decode()
    assert old in html and "former, replaced" in html and "typing error corrected" in html


def test_a_change_of_nothing_writes_nothing(register, registrar, clinic):
    patient = register()
    with clinic_context(clinic):
        services.update_patient(registrar, patient.pk, {"first_name": "Anna"})
        assert not AuditEvent.objects.filter(action="update").exists()


def test_a_crypto_erased_patient_is_not_found_by_a_former_identifier_either(register, registrar, clinic):
    from klinika.lifecycle.services import erase_subject

    old = make_pesel(datetime.date(1980, 2, 3), "F", serial=111)
    patient = register(pesel=old)
    with clinic_context(clinic):
        services.update_patient(registrar, patient.pk, {"pesel": make_pesel(datetime.date(1980, 2, 3), "F", 222)},
                                identifier_reason="typo")
    assert erase_subject(clinic, patient.subject_ref, reason="retention ended")
    with clinic_context(clinic):
        assert not PatientIdentifier.objects.filter(patient=patient, value_index__isnull=False).exists()
        assert services.search_patients(registrar, old).hits == []
