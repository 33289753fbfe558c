"""No slot in the past (today's elapsed ones included) and none beyond the clinic's planning horizon."""
import datetime

import pytest

from klinika.accounts.roles import Role
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import find_free_slots
from tests.scheduling.timeutil import hhmm, local

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2030, 1, 14)


def test_todays_slots_start_after_now(world, in_clinic):
    slots = find_free_slots(visit_type=world.follow_up, practitioner=world.gyn, date_from=MONDAY, date_to=MONDAY,
                            now=local(2030, 1, 14, 10, 7))
    assert hhmm(slots) == ["10:15", "10:30", "10:45", "11:00", "11:15", "11:30", "11:45"]


def test_a_week_in_the_past_has_no_slots(world, in_clinic):
    assert find_free_slots(visit_type=world.follow_up, practitioner=world.gyn, date_from=MONDAY,
                           date_to=MONDAY + datetime.timedelta(days=6), now=local(2030, 2, 1, 8, 0)) == []


def test_the_planning_horizon_ends_the_offer(world, in_clinic):
    setup_services.update_settings(world.users[Role.CLINIC_ADMIN], reminder_days_ahead=2, planning_horizon_days=7)
    slots = find_free_slots(visit_type=world.follow_up, practitioner=world.gyn, date_from=MONDAY,
                            date_to=MONDAY + datetime.timedelta(days=21), now=local(2030, 1, 14, 7, 0))
    days = sorted({s.local_start.date() for s in slots})
    assert days[0] == MONDAY and days[-1] == MONDAY + datetime.timedelta(days=7)


def test_the_default_horizon_is_90_days(world, in_clinic):
    now = local(2030, 1, 14, 7, 0)
    far = MONDAY + datetime.timedelta(days=91)
    near = MONDAY + datetime.timedelta(days=88)  # a Friday
    assert find_free_slots(visit_type=world.follow_up, practitioner=world.gyn, date_from=far, date_to=far,
                           now=now) == []
    assert find_free_slots(visit_type=world.follow_up, practitioner=world.gyn, date_from=near, date_to=near,
                           now=now)
