"""Searching 20 practitioners over two weeks costs a fixed handful of queries, not one per slot or practitioner."""
import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinika.accounts.models import StaffMember, User
from klinika.accounts.roles import Role
from klinika.scheduling.models import Appointment
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import find_free_slots
from klinika.staff import services as staff_services
from klinika.staff.models import Practitioner
from klinika.testdata.demo import generated_npwz
from tests.scheduling.timeutil import local

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2030, 1, 14)
NOW = local(2030, 1, 10, 12, 0)


def _add_gynaecologists(world, people, count):
    admin = world.users[Role.CLINIC_ADMIN]
    first = Practitioner.objects.count()
    for n in range(first, first + count):
        user = User.objects.create_user(f"gyn-{n}-{world.clinic.slug}", "x" * 12, role=Role.DOCTOR,
                                        clinic=world.clinic)
        StaffMember(user=user, **people.staff()).save()
        practitioner = staff_services.create_practitioner(admin, staff_id=user.staff.pk, profession="doctor",
                                                          licence_number=generated_npwz(random.Random(n)),
                                                          specialty_codes=["0724"])
        for weekday in range(5):
            setup_services.add_weekly_hours(admin, practitioner=practitioner, weekday=weekday, start_time="08:00",
                                            end_time="16:00", visit_types=[world.follow_up, world.first_visit],
                                            valid_from=MONDAY)
        Appointment(patient=world.patients[0], practitioner=practitioner, visit_type=world.follow_up,
                    starts_at=local(2030, 1, 15, 9, 0), ends_at=local(2030, 1, 15, 9, 15)).save()


def _queries(visit_type):
    with CaptureQueriesContext(connection) as captured:
        slots = find_free_slots(visit_type=visit_type, specialty="0724", date_from=MONDAY,
                                date_to=MONDAY + datetime.timedelta(days=13), now=NOW)
    return len(captured), slots


def test_query_count_does_not_grow_with_practitioners_or_slots(world, in_clinic, people):
    _add_gynaecologists(world, people, 1)
    few_queries, few_slots = _queries(world.follow_up)
    _add_gynaecologists(world, people, 18)
    assert Practitioner.objects.filter(specialties__code="0724").count() == 20
    many_queries, many_slots = _queries(world.follow_up)
    assert many_queries == few_queries <= 8
    # 19 practitioners × 10 days × 32 quarter hours, minus one appointment each; plus the first one's 10 × 16
    assert len(many_slots) == 19 * (10 * 32 - 1) + 10 * 16
    assert len(many_slots) > 10 * len(few_slots) / 2
