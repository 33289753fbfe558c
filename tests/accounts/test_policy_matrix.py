import pytest

from klinika.accounts import policy
from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def _user(role, clinic, name):
    return User.objects.create_user(name, "x" * 12, role=role, clinic=None if role == Role.VENDOR_OPERATOR else clinic)


def test_a_vendor_operator_reaches_no_personal_data(clinic):
    operator = _user(Role.VENDOR_OPERATOR, clinic, "op")
    for action in policy.PERSONAL_DATA_ACTIONS:
        assert not policy.can(operator, action)


def test_a_registrar_sees_no_clinical_content(clinic):
    registrar = _user(Role.REGISTRAR, clinic, "reg")
    doctor = _user(Role.DOCTOR, clinic, "doc")
    assert not policy.can(registrar, "records.view_clinical")
    assert policy.can(doctor, "records.view_clinical")
    assert policy.can(registrar, "patients.register") and not policy.can(doctor, "patients.register")


def test_an_object_of_another_clinic_is_never_allowed(make_clinic, people):
    a, b = make_clinic(), make_clinic()
    with clinic_context(b):
        patient = Patient(**people.patient())
        patient.save()
    doctor_a = _user(Role.DOCTOR, a, "doc-a")
    doctor_b = _user(Role.DOCTOR, b, "doc-b")
    assert not policy.can(doctor_a, "patients.view_demographics", patient)
    assert policy.can(doctor_b, "patients.view_demographics", patient)


def test_inactive_and_anonymous_users_may_do_nothing(clinic):
    from django.contrib.auth.models import AnonymousUser

    doctor = _user(Role.DOCTOR, clinic, "doc")
    doctor.is_active = False
    for action in policy.ACTIONS:
        assert not policy.can(doctor, action)
        assert not policy.can(AnonymousUser(), action)


def test_an_unknown_action_is_a_programming_error(clinic):
    with pytest.raises(LookupError):
        policy.can(_user(Role.DOCTOR, clinic, "doc"), "patients.veiw")


def test_every_role_can_do_something(clinic):
    for role in Role:
        assert policy.allowed_actions(_user(role, clinic, f"u-{role}")), role
