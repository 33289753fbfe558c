import pytest
from django.http import Http404

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.patients.models import Patient
from klinika.patients.services import get_patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_a_patient_id_of_another_clinic_is_not_found(make_clinic, people):
    a, b = make_clinic(), make_clinic()
    with clinic_context(a):
        patient = Patient(**people.patient())
        patient.save()
    doctor_b = User.objects.create_user("doc-b", "x" * 12, role=Role.DOCTOR, clinic=b)
    with clinic_context(b), pytest.raises(Http404):
        get_patient(doctor_b, patient.pk)
    doctor_a = User.objects.create_user("doc-a", "x" * 12, role=Role.DOCTOR, clinic=a)
    with clinic_context(a):
        assert get_patient(doctor_a, patient.pk) == patient
