"""Free slots = weekly hours + extra hours − leave − appointments that hold time."""
import datetime

import pytest

from klinika.accounts.roles import Role
from klinika.scheduling.models import Appointment, AppointmentStatus
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import find_free_slots
from tests.scheduling.timeutil import hhmm, local

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2030, 1, 14)
NOW = local(2030, 1, 10, 12, 0)
QUARTERS = [f"{h:02d}:{m:02d}" for h in range(8, 12) for m in (0, 15, 30, 45)]


def _slots(world, visit_type, day=MONDAY, **kwargs):
    kwargs.setdefault("practitioner", world.gyn)
    return find_free_slots(visit_type=visit_type, date_from=day, date_to=day, now=NOW, **kwargs)


def _appointment(world, start, end, status=AppointmentStatus.BOOKED):
    appointment = Appointment(patient=world.patients[0], practitioner=world.gyn, visit_type=world.follow_up,
                              starts_at=start, ends_at=end, status=status)
    appointment.save()
    return appointment


def test_weekly_hours_give_slots_of_the_slot_length(world, in_clinic):
    slots = _slots(world, world.follow_up)
    assert hhmm(slots) == QUARTERS
    assert all(s.room_id == world.room.pk and s.ends_at - s.starts_at == datetime.timedelta(minutes=15)
               for s in slots)
    assert hhmm(_slots(world, world.first_visit)) == QUARTERS[:-1]  # a 30-minute visit cannot start at 11:45
    assert _slots(world, world.follow_up, day=MONDAY + datetime.timedelta(days=5)) == []  # Saturday: no hours


def test_specialty_and_practitioner_filters(world, in_clinic):
    assert len(_slots(world, world.follow_up, practitioner=None, specialty="0724")) == 16
    assert _slots(world, world.follow_up, practitioner=None, specialty="0723") == []
    assert _slots(world, world.follow_up, practitioner=world.nurse) == []


def test_hours_outside_their_validity_and_visit_types_not_offered_give_nothing(world, in_clinic):
    admin = world.users[Role.CLINIC_ADMIN]
    other = setup_services.create_visit_type(admin, name="USG", duration_minutes=15)
    assert _slots(world, other) == []
    for hours in world.gyn.availability.all():
        setup_services.end_weekly_hours(admin, hours.pk, MONDAY - datetime.timedelta(days=1))
    assert _slots(world, world.follow_up) == []


def test_leave_removes_the_slots_it_touches(world, in_clinic):
    setup_services.add_exception(world.users[Role.CLINIC_ADMIN], practitioner=world.gyn, kind="unavailable",
                                 starts_at=local(2030, 1, 14, 9, 0), ends_at=local(2030, 1, 14, 10, 0))
    assert hhmm(_slots(world, world.follow_up)) == [t for t in QUARTERS if not t.startswith("09:")]
    first_visits = hhmm(_slots(world, world.first_visit))
    assert "08:30" in first_visits and "08:45" not in first_visits and "10:00" in first_visits


def test_extra_hours_add_slots_of_their_own_length_and_visit_types(world, in_clinic):
    saturday = MONDAY + datetime.timedelta(days=5)
    setup_services.add_exception(world.users[Role.CLINIC_ADMIN], practitioner=world.gyn, kind="extra",
                                 starts_at=local(2030, 1, 19, 10, 0), ends_at=local(2030, 1, 19, 12, 0),
                                 slot_minutes=20, visit_types=[world.follow_up], room=world.room)
    assert hhmm(_slots(world, world.follow_up, day=saturday)) == ["10:00", "10:20", "10:40", "11:00", "11:20", "11:40"]
    assert _slots(world, world.first_visit, day=saturday) == []


def test_appointments_that_hold_time_remove_slots_cancelled_ones_do_not(world, in_clinic):
    _appointment(world, local(2030, 1, 14, 10, 0), local(2030, 1, 14, 10, 30))
    _appointment(world, local(2030, 1, 14, 8, 0), local(2030, 1, 14, 8, 15), AppointmentStatus.CANCELLED)
    follow_ups = hhmm(_slots(world, world.follow_up))
    assert "08:00" in follow_ups and "10:00" not in follow_ups and "10:15" not in follow_ups and "10:30" in follow_ups
    first_visits = hhmm(_slots(world, world.first_visit))
    assert "09:30" in first_visits and not {"09:45", "10:00", "10:15"} & set(first_visits)
    taken_too = hhmm(find_free_slots(visit_type=world.follow_up, practitioner=world.gyn, date_from=MONDAY,
                                     date_to=MONDAY, now=NOW, include_taken=True))
    assert taken_too == QUARTERS


def test_an_inactive_practitioner_offers_nothing(world, in_clinic):
    world.gyn.is_active = False
    world.gyn.save()
    assert _slots(world, world.follow_up) == []
