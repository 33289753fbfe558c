import hashlib

import pytest
from django.db import connection

from klinika.crypto.models import DataKey, KeyEncryptionKey, KeyState
from klinika.lifecycle.services import rotate_keys
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def _fingerprint_of_patient_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM patients_patient ORDER BY id")
        return hashlib.sha256(repr([tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                                    for row in cursor.fetchall()]).encode()).hexdigest()


def test_rotation_rewraps_keys_and_rewrites_no_data(populated, people):
    a = populated["a"]
    with clinic_context(a):
        before = {p.pk: (p.last_name, p.pesel) for p in Patient.objects.all()}
    rows_before = _fingerprint_of_patient_rows()
    old_kek = KeyEncryptionKey.objects.using("keystore").get(clinic_id=a.pk, state=KeyState.ACTIVE)

    report = rotate_keys(a)

    assert _fingerprint_of_patient_rows() == rows_before  # not a byte of data rewritten
    assert report.rewrapped >= 4
    assert KeyEncryptionKey.objects.using("keystore").get(key_id=old_kek.key_id).wrapped is None
    assert not DataKey.objects.using("keystore").filter(clinic_id=a.pk, kek_id=old_kek.key_id).exists()
    with clinic_context(a):
        new = Patient(**people.patient())
        new.save()
        assert {p.pk: (p.last_name, p.pesel) for p in Patient.objects.exclude(pk=new.pk)} == before
        assert Patient.objects.get(pk=new.pk).pesel == new.pesel
        assert Patient.objects.matching(pesel=new.pesel).get() == new


def test_clinic_data_written_after_rotation_uses_the_new_data_key(make_clinic):
    from klinika.crypto import envelope

    clinic = make_clinic()
    first = envelope.write_key(clinic.pk, None).key_id
    report = rotate_keys(clinic)
    assert envelope.write_key(clinic.pk, None).key_id == report.new_dek != first


def test_rotating_twice_keeps_everything_readable(populated):
    a = populated["a"]
    with clinic_context(a):
        before = sorted(p.pesel for p in Patient.objects.all())
    rotate_keys(a)
    rotate_keys(a)
    with clinic_context(a):
        assert sorted(p.pesel for p in Patient.objects.all()) == before
