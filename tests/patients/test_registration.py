"""Registering patients: with a PESEL, with a document instead, newborns with the mother's PESEL, minors."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from klinika.audit.models import AuditEvent
from klinika.patients import services
from klinika.patients.models import IdentifierKind, IdentifierNote, Patient, PatientIdentifier
from klinika.tenancy.context import clinic_context
from tests.patients.factories import adult, make_id_card, make_pesel

pytestmark = pytest.mark.django_db


def _errors(caught) -> dict:
    return caught.value.message_dict


def test_a_pesel_gives_birth_date_and_sex_and_is_recorded_as_the_first_identifier(registrar, in_clinic):
    pesel = make_pesel(datetime.date(1980, 2, 3), "F")
    patient = services.register_patient(registrar, adult(pesel=pesel))
    stored = Patient.objects.get(pk=patient.pk)
    assert (stored.birth_date, stored.sex, stored.pesel) == (datetime.date(1980, 2, 3), "F", pesel)
    assert stored.phone == "+48 600 100 200" and stored.consent_sms and stored.preferred_channel == "sms"
    assert stored.consent_updated_at is not None
    identifier = PatientIdentifier.objects.get(patient=stored)
    assert (identifier.kind, identifier.value, identifier.replaced_at) == (IdentifierKind.PESEL, pesel, None)
    event = AuditEvent.objects.get(action="create", object_type="patient")
    assert event.object_id == str(patient.pk) and event.subject_ref == patient.subject_ref


def test_a_typed_birth_date_or_sex_that_contradicts_the_pesel_stops_registration(registrar, in_clinic):
    pesel = make_pesel(datetime.date(1980, 2, 3), "F")
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, adult(pesel=pesel, birth_date="1980-03-02", sex="M"))
    assert _errors(caught) == {
        "birth_date": ["PESEL gives birth date Feb. 3, 1980 but March 2, 1980 was entered."],
        "sex": ["PESEL gives sex female but male was entered."],
    }
    assert not Patient.objects.exists()


def test_a_patient_without_pesel_is_registered_by_document_birth_date_and_sex(registrar, in_clinic):
    number = make_id_card("ABC", "12345")
    patient = services.register_patient(registrar, adult(
        pesel="", document_type="id_card", document_number=number.lower(), birth_date="03.02.1980", sex="F"))
    assert patient.pesel == "" and patient.document_number == number and patient.document_country == "PL"
    assert patient.birth_date == datetime.date(1980, 2, 3) and patient.sex == "F"
    identifier = PatientIdentifier.objects.get(patient=patient)
    assert (identifier.kind, identifier.document_type, identifier.value) == ("document", "id_card", number)


def test_a_foreign_passport_is_free_form(registrar, in_clinic):
    patient = services.register_patient(registrar, adult(
        pesel="", document_type="passport", document_country="ua", document_number="FE 123456",
        birth_date="1990-05-06", sex="M", first_name="Ołeksandr", last_name="Szewczenko"))
    assert (patient.document_country, patient.document_number) == ("UA", "FE123456")


def test_without_pesel_the_birth_date_sex_and_a_document_are_required(registrar, in_clinic):
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, adult(pesel=""))
    errors = _errors(caught)
    assert "Enter a PESEL or, for a patient without one, an identity document." in errors["pesel"]
    assert errors["birth_date"] and errors["sex"]
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, adult(pesel="", document_number="ABA300000"))
    assert _errors(caught)["document_type"] == ["Choose the type of the document."]
    assert not Patient.objects.exists()


def test_a_newborn_is_registered_with_the_mothers_pesel_and_its_own_birth_date(registrar, in_clinic):
    mother_pesel = make_pesel(datetime.date(1992, 4, 10), "F")
    mother = services.register_patient(registrar, adult(pesel=mother_pesel))
    born = timezone.localdate() - datetime.timedelta(days=3)
    baby = services.register_patient(registrar, {
        "first_name": "Zosia", "last_name": "Kowalska", "pesel": mother_pesel, "pesel_is_mothers": True,
        "birth_date": born.isoformat(), "sex": "F", "guardian_id": mother.pk, "guardian_relation": "mother"})
    assert baby.pesel_is_mothers and baby.pesel == mother_pesel
    assert (baby.birth_date, baby.sex, baby.guardian_id) == (born, "F", mother.pk)
    assert PatientIdentifier.objects.get(patient=baby).reason == IdentifierNote.MOTHERS_PESEL


def test_a_newborn_needs_its_birth_date_and_sex_typed_and_a_guardian(registrar, in_clinic):
    mother_pesel = make_pesel(datetime.date(1992, 4, 10), "F")
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, {"first_name": "Zosia", "last_name": "Kowalska", "pesel": mother_pesel,
                                              "pesel_is_mothers": True})
    errors = _errors(caught)
    assert set(errors) == {"birth_date", "sex"}
    born = timezone.localdate() - datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, {"first_name": "Zosia", "last_name": "Kowalska", "pesel": mother_pesel,
                                              "pesel_is_mothers": True, "birth_date": born, "sex": "F"})
    assert "record a legal guardian" in _errors(caught)["guardian_identifier"][0]
    assert not Patient.objects.exists()


def test_a_minor_needs_an_adult_guardian_with_a_stated_relation(registrar, in_clinic):
    child = adult(pesel=make_pesel(timezone.localdate().replace(year=timezone.localdate().year - 10) -
                                   datetime.timedelta(days=1), "M"), first_name="Jaś")
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, child)
    assert "under 18" in _errors(caught)["guardian_identifier"][0]

    parent = services.register_patient(registrar, adult())
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, child | {"guardian_identifier": parent.pesel})
    assert _errors(caught) == {"guardian_relation": ["Choose how the guardian is related to the patient."]}
    ward = services.register_patient(registrar, child | {"guardian_identifier": parent.pesel,
                                                         "guardian_relation": "father"})
    assert ward.guardian_id == parent.pk and ward.guardian_relation == "father"
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, child | {"first_name": "Małgosia", "guardian_id": ward.pk,
                                                      "guardian_relation": "other"})
    assert _errors(caught)["guardian_identifier"] == ["A legal guardian must be an adult."]


def test_an_unknown_guardian_identifier_is_named(registrar, in_clinic):
    child = adult(pesel=make_pesel(datetime.date(timezone.localdate().year - 5, 1, 1), "M"),
                  guardian_identifier=make_pesel(datetime.date(1970, 1, 1), "F"), guardian_relation="mother")
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, child)
    assert "register the guardian first" in _errors(caught)["guardian_identifier"][0]


def test_the_preferred_channel_needs_consent_and_a_contact(registrar, in_clinic):
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, adult(consent_sms=False, preferred_channel="sms"))
    assert "consent to SMS" in _errors(caught)["preferred_channel"][0]
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, adult(email="", consent_email=True, preferred_channel="email"))
    errors = _errors(caught)
    assert errors["email"] == ["Consent to e-mail messages needs an e-mail address."]
    assert errors["preferred_channel"]
    patient = services.register_patient(registrar, adult(consent_sms=False, consent_email=True,
                                                          preferred_channel=""))
    assert patient.preferred_channel == "email"
    assert not Patient.objects.filter(preferred_channel="sms").exists()


def test_every_problem_is_reported_at_once(registrar, in_clinic):
    with pytest.raises(ValidationError) as caught:
        services.register_patient(registrar, {"first_name": "", "last_name": "X" * 151, "pesel": "123",
                                              "phone": "12", "email": "nope", "address": {"postal_code": "1"}})
    assert {"first_name", "last_name", "pesel", "phone", "email", "postal_code"} <= set(_errors(caught))


@pytest.mark.parametrize("role", ["doctor", "nurse", "dpo"])
def test_only_registrars_and_clinic_admins_register(staff, in_clinic, role):
    with pytest.raises(PermissionDenied):
        services.register_patient(staff[role], adult())
    assert not Patient.objects.exists()


def test_a_clinic_admin_registers_too(admin, in_clinic):
    assert services.register_patient(admin, adult()).pk


def test_registration_in_one_clinic_is_invisible_in_another(registrar, make_clinic, clinic):
    with clinic_context(clinic):
        services.register_patient(registrar, adult())
    with clinic_context(make_clinic()):
        assert not Patient.objects.exists()
