"""A field encrypted in its own column (PatientIdentifier.value) and the patient's sealed
personal column (crypto/sealed.py) are both ciphertext at rest, bound to clinic, table and column."""
import datetime

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from klinika.crypto.errors import DecryptionFailed, KeyNotFound
from klinika.patients.models import IdentifierKind, Patient, PatientIdentifier
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [None if v is None else bytes(v) for v in cursor.fetchone()]


def _identifier(patient, value):
    row = PatientIdentifier(patient=patient, kind=IdentifierKind.DOCUMENT, value=value)
    row.save()
    return row


def test_values_round_trip_and_are_ciphertext_in_the_table(in_clinic, people):
    data = people.patient()
    patient = Patient(**data)
    patient.save()
    identifier = _identifier(patient, "ABC123456")
    loaded = Patient.objects.get(pk=patient.pk)
    for field in ("first_name", "last_name", "pesel", "birth_date", "sex", "address", "phone", "email"):
        assert getattr(loaded, field) == data[field]
    assert PatientIdentifier.objects.get(pk=identifier.pk).value == "ABC123456"
    personal, = _raw("SELECT personal FROM patients_patient WHERE id = %s", [patient.pk])
    value, = _raw("SELECT value FROM patients_patientidentifier WHERE id = %s", [identifier.pk])
    for plain in (data["first_name"], data["last_name"], data["pesel"], data["phone"], data["email"]):
        assert plain.encode() not in personal
    assert b"ABC123456" not in value
    assert personal[0] == 1 and value[0] == 1 and len(value) > 29  # version byte, key id, nonce


def test_polish_letters_markup_and_long_values_round_trip(in_clinic, people):
    data = people.patient() | {"last_name": "Żółć-O'Brien <script>alert(1)</script>" + "ą" * 500}
    patient = Patient(**data)
    patient.save()
    assert Patient.objects.get(pk=patient.pk).last_name == data["last_name"]


def test_equal_values_give_different_ciphertexts(in_clinic, people):
    data = people.patient()
    # Equal sealed values; b on the PESEL as a newborn's mother's one, as one PESEL is one live patient's own.
    a, b = Patient(**data), Patient(**data, pesel_is_mothers=True)
    a.save()
    b.save()
    first, = _raw("SELECT personal FROM patients_patient WHERE id = %s", [a.pk])
    second, = _raw("SELECT personal FROM patients_patient WHERE id = %s", [b.pk])
    assert first != second
    one, other = _identifier(a, "XYZ987654"), _identifier(a, "XYZ987654")
    assert _raw("SELECT value FROM patients_patientidentifier WHERE id = %s", [one.pk]) != \
        _raw("SELECT value FROM patients_patientidentifier WHERE id = %s", [other.pk])


def test_value_moved_to_another_column_fails_authentication(in_clinic, people):
    """Same row, same subject key: only the aad's column tells the two apart."""
    patient = Patient(**people.patient())
    patient.save()
    identifier = _identifier(patient, "ABC123456")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE patients_patient SET personal = (SELECT value FROM patients_patientidentifier "
                       "WHERE id = %s) WHERE id = %s", [identifier.pk, patient.pk])
    with pytest.raises(DecryptionFailed, match="patients_patient.personal"):
        Patient.objects.get(pk=patient.pk)


def test_value_moved_to_another_clinic_does_not_decrypt(make_clinic, people):
    a, b = make_clinic(), make_clinic()
    with clinic_context(a):
        victim = Patient(**people.patient())
        victim.save()
        stolen = _identifier(victim, "ABC123456")
    with clinic_context(b):
        own = Patient(**people.patient())
        own.save()
        mine = _identifier(own, "QWE555666")
        with connection.cursor() as cursor:
            cursor.execute("UPDATE patients_patient SET personal = (SELECT personal FROM patients_patient "
                           "WHERE id = %s) WHERE id = %s", [victim.pk, own.pk])
            cursor.execute("UPDATE patients_patientidentifier SET value = (SELECT value FROM "
                           "patients_patientidentifier WHERE id = %s) WHERE id = %s", [stolen.pk, mine.pk])
        with pytest.raises(KeyNotFound):
            Patient.objects.get(pk=own.pk)
        with pytest.raises(KeyNotFound):
            PatientIdentifier.objects.get(pk=mine.pk)


def test_encrypted_columns_refuse_plaintext_lookups_and_bulk_updates(in_clinic, people):
    patient = Patient(**people.patient())
    patient.save()
    _identifier(patient, "ABC123456")
    with pytest.raises(FieldError):
        list(Patient.objects.filter(last_name="Kowalski"))
    with pytest.raises(FieldError):
        Patient.objects.update(last_name="Kowalski")
    with pytest.raises(FieldError):
        Patient.objects.update(personal=b"\x01" * 60)
    with pytest.raises(FieldError):
        list(PatientIdentifier.objects.filter(value="ABC123456"))
    with pytest.raises(FieldError):
        PatientIdentifier.objects.update(value="ABC123456")


def test_birth_date_is_a_date_after_loading(in_clinic, people):
    data = people.patient() | {"birth_date": datetime.date(1900, 2, 28)}
    patient = Patient(**data)
    patient.save()
    assert Patient.objects.get(pk=patient.pk).birth_date == datetime.date(1900, 2, 28)
