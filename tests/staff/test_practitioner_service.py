"""Practitioner records: a licence that fits the profession, unique in the clinic, audited, admin only."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.staff import services
from klinika.staff.models import Practitioner
from tests.scheduling.world import make_staff_user

pytestmark = pytest.mark.django_db


def _create(team, role=Role.DOCTOR, **overrides):
    data = {"staff_id": team[role].staff.pk, "profession": "doctor", "licence_number": "5425740", "title": "lek.",
            "specialty_codes": ["0724", "0787"]} | overrides
    return services.create_practitioner(team[Role.CLINIC_ADMIN], **data)


def test_an_admin_creates_a_practitioner_with_specialties_and_it_is_audited(team, in_clinic):
    practitioner = _create(team)
    assert practitioner.licence_number == "5425740"
    assert sorted(s.code for s in practitioner.specialties.all()) == ["0724", "0787"]
    event = AuditEvent.objects.get(object_type="practitioner", object_id=str(practitioner.pk))
    assert event.action == "create" and event.subject_ref == team[Role.DOCTOR].staff.subject_ref
    assert "5425740" not in f"{event.reason}{event.object_id}"
    assert [p.pk for p in services.list_practitioners(team[Role.REGISTRAR], specialty_code="0724")] == [practitioner.pk]
    assert services.list_practitioners(team[Role.REGISTRAR], specialty_code="0723") == []


def test_the_same_licence_twice_in_one_clinic_is_refused_even_typed_differently(team, in_clinic, clinic, people):
    _create(team)
    other_doctor = make_staff_user(clinic, Role.DOCTOR, people)
    team["second"] = other_doctor
    with pytest.raises(ValidationError) as error:
        _create(team, role="second", licence_number=" 542 5740")
    assert "licence_number" in error.value.message_dict
    assert Practitioner.objects.count() == 1


def test_another_clinic_may_have_the_same_licence(team, clinic, make_clinic, people):
    from klinika.tenancy.context import clinic_context

    other = make_clinic()
    with clinic_context(clinic):
        _create(team)
    admin, doctor = make_staff_user(other, Role.CLINIC_ADMIN, people), make_staff_user(other, Role.DOCTOR, people)
    with clinic_context(other):
        practitioner = services.create_practitioner(admin, staff_id=doctor.staff.pk, profession="doctor",
                                                    licence_number="5425740")
        assert practitioner.clinic_id == other.pk


@pytest.mark.parametrize("overrides, field", [
    ({"licence_number": "5425741"}, "licence_number"),
    ({"licence_number": ""}, "licence_number"),
    ({"profession": "nurse"}, "licence_number"),
    ({"profession": "surgeon"}, "profession"),
    ({"specialty_codes": ["9999"]}, "specialties"),
    ({"title": "x" * 31}, "title"),
])
def test_bad_input_names_the_field_and_saves_nothing(team, in_clinic, overrides, field):
    with pytest.raises(ValidationError) as error:
        _create(team, **overrides)
    assert field in error.value.message_dict
    assert not Practitioner.objects.exists()
    assert not AuditEvent.objects.filter(object_type="practitioner").exists()


def test_the_profession_must_fit_the_login_role(team, in_clinic):
    with pytest.raises(ValidationError) as error:
        _create(team, role=Role.NURSE)  # a nurse's login as a doctor
    assert "profession" in error.value.message_dict
    nurse = _create(team, role=Role.NURSE, profession="midwife", licence_number="0712345A", specialty_codes=[])
    assert nurse.profession == "midwife"


def test_only_a_clinic_admin_manages_practitioners(team, in_clinic):
    for role in (Role.REGISTRAR, Role.DOCTOR, Role.NURSE):
        with pytest.raises(PermissionDenied):
            services.create_practitioner(team[role], staff_id=team[Role.DOCTOR].staff.pk, profession="doctor",
                                         licence_number="5425740")


def test_an_update_changes_the_licence_and_specialties_and_is_audited(team, in_clinic):
    practitioner = _create(team)
    services.update_practitioner(team[Role.CLINIC_ADMIN], practitioner.pk, profession="doctor",
                                 licence_number="6000001", title="dr n. med.", specialty_codes=["0705"],
                                 is_active=False)
    practitioner.refresh_from_db()
    assert (practitioner.licence_number, practitioner.title, practitioner.is_active) == ("6000001", "dr n. med.", False)
    assert [s.code for s in practitioner.specialties.all()] == ["0705"]
    assert Practitioner.objects.matching(licence_number="6000001").get() == practitioner
    assert AuditEvent.objects.filter(object_type="practitioner", action="update").count() == 1
    assert services.list_practitioners(team[Role.REGISTRAR]) == []  # inactive: not offered
