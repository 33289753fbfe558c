import datetime

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from klinika.crypto.errors import DecryptionFailed
from klinika.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_values_round_trip_and_are_ciphertext_in_the_table(in_clinic, people):
    data = people.patient()
    patient = Patient(**data)
    patient.save()
    loaded = Patient.objects.get(pk=patient.pk)
    for field in ("first_name", "last_name", "pesel", "birth_date", "sex", "address", "phone", "email"):
        assert getattr(loaded, field) == data[field]
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, pesel, birth_date FROM patients_patient WHERE id = %s", [patient.pk])
        raw = [bytes(v) for v in cursor.fetchone()]
    assert data["first_name"].encode() not in raw[0]
    assert data["pesel"].encode() not in raw[1]
    assert raw[0][0] == 1 and len(raw[0]) > 29  # version byte, key id, nonce


def test_polish_letters_markup_and_long_values_round_trip(in_clinic, people):
    data = people.patient() | {"last_name": "Żółć-O'Brien <script>alert(1)</script>" + "ą" * 500}
    patient = Patient(**data)
    patient.save()
    assert Patient.objects.get(pk=patient.pk).last_name == data["last_name"]


def test_equal_values_give_different_ciphertexts(in_clinic, people):
    data = people.patient()
    a, b = Patient(**data), Patient(**data)
    a.save()
    b.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_name FROM patients_patient WHERE id IN (%s, %s)", [a.pk, b.pk])
        first, second = [bytes(row[0]) for row in cursor.fetchall()]
    assert first != second


def test_value_moved_to_another_column_fails_authentication(in_clinic, people):
    patient = Patient(**people.patient())
    patient.save()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE patients_patient SET last_name = first_name WHERE id = %s", [patient.pk])
    with pytest.raises(DecryptionFailed):
        Patient.objects.get(pk=patient.pk)


def test_value_moved_to_another_clinic_does_not_decrypt(make_clinic, people):
    from klinika.crypto.errors import KeyNotFound
    from klinika.tenancy.context import clinic_context

    a, b = make_clinic(), make_clinic()
    with clinic_context(a):
        victim = Patient(**people.patient())
        victim.save()
    with clinic_context(b):
        own = Patient(**people.patient())
        own.save()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE patients_patient SET pesel = (SELECT pesel FROM patients_patient WHERE id = %s) "
                "WHERE id = %s", [victim.pk, own.pk])
        with pytest.raises(KeyNotFound):
            Patient.objects.get(pk=own.pk)


def test_encrypted_columns_refuse_plaintext_lookups_and_bulk_updates(in_clinic, people):
    Patient(**people.patient()).save()
    with pytest.raises(FieldError):
        list(Patient.objects.filter(last_name="Kowalski"))
    with pytest.raises(FieldError):
        Patient.objects.update(last_name="Kowalski")


def test_birth_date_is_a_date_after_loading(in_clinic, people):
    data = people.patient() | {"birth_date": datetime.date(1900, 2, 28)}
    patient = Patient(**data)
    patient.save()
    assert Patient.objects.get(pk=patient.pk).birth_date == datetime.date(1900, 2, 28)
