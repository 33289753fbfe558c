import hashlib
import hmac
import os

import pytest

from klinika.crypto import blind, keystore
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_exact_match_search_by_pesel_surname_phone_email(in_clinic, people):
    patients = [Patient(**people.patient()) for _ in range(5)]
    for p in patients:
        p.save()
    target = patients[2]
    assert list(Patient.objects.matching(pesel=target.pesel)) == [target]
    assert target in Patient.objects.matching(last_name=target.last_name.upper())
    assert list(Patient.objects.matching(phone=target.phone.replace(" ", "").replace("+48", ""))) == [target]
    assert list(Patient.objects.matching(email=target.email.upper())) == [target]
    assert not Patient.objects.matching(pesel="00000000000").exists()


def test_index_differs_between_clinics_and_columns(make_clinic):
    a, b = make_clinic(), make_clinic()
    assert blind.compute(a.pk, "t.c", "x") != blind.compute(b.pk, "t.c", "x")
    assert blind.compute(a.pk, "t.c", "x") != blind.compute(a.pk, "t.d", "x")


def test_search_in_one_clinic_never_finds_another_clinics_patient(make_clinic, people):
    a, b = make_clinic(), make_clinic()
    data = people.patient()
    with clinic_context(a):
        Patient(**data).save()
    with clinic_context(b):
        assert not Patient.objects.matching(pesel=data["pesel"]).exists()


def test_normalisers():
    assert blind.normalise_phone("+48 600 100 200") == blind.normalise_phone("600-100-200")
    assert blind.normalise_text("  Żółć   Kowalska ") == blind.normalise_text("żółć kowalska")


def test_blind_index_is_the_standard_hmac_sha256(in_clinic):
    material = keystore.clinic_key(in_clinic.pk, keystore.Purpose.INDEX).material
    for _ in range(50):
        label, value = os.urandom(8).hex(), os.urandom(40).hex()
        expected = hmac.new(material, label.encode() + b"|" + value.encode(), hashlib.sha256).digest()[:16]
        assert blind.compute(in_clinic.pk, label, value) == expected
