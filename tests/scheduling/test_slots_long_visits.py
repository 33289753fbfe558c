"""A visit longer than the slot length takes consecutive slots, all inside the hours and all free."""
import datetime

import pytest

from klinika.accounts.roles import Role
from klinika.scheduling.models import Appointment
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import find_free_slots
from tests.scheduling.timeutil import hhmm, local

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2030, 1, 14)
NOW = local(2030, 1, 10, 12, 0)


def _starts(world, visit_type, practitioner=None):
    return hhmm(find_free_slots(visit_type=visit_type, practitioner=practitioner or world.gyn, date_from=MONDAY,
                                date_to=MONDAY, now=NOW))


def test_a_45_minute_visit_takes_three_quarter_hour_slots_and_ends_with_the_hours(world, in_clinic):
    starts = _starts(world, world.prenatal)
    assert starts[0] == "08:00" and starts[-1] == "11:15" and len(starts) == 14
    slot = find_free_slots(visit_type=world.prenatal, practitioner=world.gyn, date_from=MONDAY, date_to=MONDAY,
                           now=NOW)[0]
    assert slot.ends_at - slot.starts_at == datetime.timedelta(minutes=45)


def test_a_long_visit_needs_every_slot_it_covers_to_be_free(world, in_clinic):
    Appointment(patient=world.patients[0], practitioner=world.gyn, visit_type=world.follow_up,
                starts_at=local(2030, 1, 14, 9, 0), ends_at=local(2030, 1, 14, 9, 15)).save()
    starts = _starts(world, world.prenatal)
    assert "08:15" in starts  # 8:15-9:00 ends as the appointment begins
    assert not {"08:30", "08:45", "09:00"} & set(starts)
    assert "09:15" in starts


def test_with_half_hour_slots_a_45_minute_visit_takes_two_and_starts_only_on_slot_boundaries(world, in_clinic):
    admin = world.users[Role.CLINIC_ADMIN]
    setup_services.add_weekly_hours(admin, practitioner=world.nurse, weekday=0, start_time="08:00",
                                    end_time="10:00", slot_minutes=30, valid_from=MONDAY,
                                    visit_types=[world.prenatal, world.follow_up])
    assert _starts(world, world.prenatal, world.nurse) == ["08:00", "08:30", "09:00"]
    assert _starts(world, world.follow_up, world.nurse) == ["08:00", "08:30", "09:00", "09:30"]


def test_a_visit_longer_than_the_hours_is_never_offered(world, in_clinic):
    long = setup_services.create_visit_type(world.users[Role.CLINIC_ADMIN], name="Zabieg", duration_minutes=300)
    for hours in world.gyn.availability.all():
        hours.visit_types.add(long)
    assert _starts(world, long) == []
