"""Possible duplicates (same surname and birth date) stop registration until confirmed; the same
PESEL stops it for good, confirmed or not (one PESEL, one patient: test_one_pesel_*.py)."""
import datetime

import pytest
from django.utils import timezone

from klinika.audit.models import AuditEvent
from klinika.patients import services
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.patients.factories import adult, make_id_card, make_pesel

pytestmark = pytest.mark.django_db


def test_the_same_pesel_is_refused_even_when_confirmed_and_nothing_is_saved(registrar, register, clinic):
    first = register()
    for confirm in (False, True):
        with clinic_context(clinic), pytest.raises(services.PeselTaken) as caught:
            services.register_patient(registrar, adult(first_name="Anita", last_name="Nowak"),
                                      confirm_duplicates=confirm)
        assert caught.value.holder.pk == first.pk
        assert caught.value.message_dict["pesel"] == [
            "This PESEL belongs to a patient who is already registered: open their card, or merge the two "
            "records if they are one person."]
    with clinic_context(clinic):
        assert Patient.objects.count() == 1


def _same_name_other_person():
    """Kowalska, born 1980-02-03 like adult(), identified by an ID card instead of a PESEL."""
    return adult(pesel="", document_type="id_card", document_number=make_id_card("XYZ", "11111"),
                 birth_date="1980-02-03", sex="F", first_name="Anita")


def test_the_same_surname_and_birth_date_is_a_possible_duplicate(registrar, register, clinic):
    first = register()
    other = adult(pesel="", document_type="id_card", document_number=make_id_card("XYZ", "11111"),
                  birth_date="1980-02-03", sex="F", last_name="KOWALSKA ")
    with clinic_context(clinic), pytest.raises(services.PossibleDuplicates) as caught:
        services.register_patient(registrar, other)
    assert [p.pk for p in caught.value.patients] == [first.pk]


def test_confirming_registers_anyway_and_says_so_in_the_audit_trail(registrar, register, clinic):
    register()
    with clinic_context(clinic):
        second = services.register_patient(registrar, _same_name_other_person(), confirm_duplicates=True)
        assert Patient.objects.count() == 2
        event = AuditEvent.objects.get(action="create", object_id=str(second.pk))
        assert event.reason == "registered despite possible duplicates"


def test_a_different_person_is_not_a_duplicate(registrar, register, clinic):
    register()
    with clinic_context(clinic):
        patient = services.register_patient(registrar, adult(
            pesel=make_pesel(datetime.date(1980, 2, 4), "F"), first_name="Ewa"))
        assert patient.pk


def test_a_newborn_with_the_mothers_pesel_is_not_the_mothers_duplicate(registrar, register, clinic):
    mother = register()
    with clinic_context(clinic):
        baby = services.register_patient(registrar, {
            "first_name": "Zosia", "last_name": "Nowak", "pesel": mother.pesel, "pesel_is_mothers": True,
            "birth_date": timezone.localdate(), "sex": "F", "guardian_id": mother.pk, "guardian_relation": "mother"})
        assert baby.pk


def test_duplicates_shown_are_audited_as_reads(registrar, register, clinic):
    first = register()
    with clinic_context(clinic), pytest.raises(services.PossibleDuplicates):
        services.register_patient(registrar, _same_name_other_person())
    with clinic_context(clinic):
        assert AuditEvent.objects.filter(action="read", object_id=str(first.pk), reason="possible duplicate").exists()


def test_the_form_shows_the_duplicates_and_registers_after_confirmation(registrar, register, clinic, client_for):
    first = register()
    client = client_for(registrar)
    form = {"first_name": "Anita", "last_name": "Kowalska", "birth_date": "1980-02-03", "sex": "F",
            "document_type": "id_card", "document_number": make_id_card("XYZ", "11111"), "phone": "600100200",
            "consent_sms": "on", "preferred_channel": "sms", "country": "PL", "document_country": "PL"}
    page = client.post("/patients/new/", form)
    assert page.status_code == 409
    html = page.content.decode()
    assert "This patient may already be registered" in html and f"/patients/{first.pk}/" in html
    with clinic_context(clinic):
        assert Patient.objects.count() == 1
    done = client.post("/patients/new/", form | {"confirm_duplicates": "1"})
    assert done.status_code == 302
    with clinic_context(clinic):
        assert Patient.objects.count() == 2
