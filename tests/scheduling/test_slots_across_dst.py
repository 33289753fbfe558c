"""Weekly hours are wall-clock hours in Warsaw: 8:00 stays 8:00 across a DST change; skipped hours give no slots."""
import datetime

import pytest

from klinika.accounts.roles import Role
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import find_free_slots
from tests.scheduling.timeutil import hhmm, local

pytestmark = pytest.mark.django_db
UTC = datetime.timezone.utc


def _week(world, first, now, visit_type=None):
    return find_free_slots(visit_type=visit_type or world.follow_up, practitioner=world.gyn, date_from=first,
                           date_to=first + datetime.timedelta(days=6), now=now)


@pytest.mark.parametrize("friday, monday, before, after", [
    (datetime.date(2030, 3, 29), datetime.date(2030, 4, 1), 7, 6),     # spring forward on Sunday 31 March
    (datetime.date(2030, 10, 25), datetime.date(2030, 10, 28), 6, 7),  # fall back on Sunday 27 October
])
def test_the_first_slot_is_at_8_local_on_both_sides_of_the_change(world, in_clinic, friday, monday, before, after):
    slots = _week(world, friday, now=local(friday.year, friday.month, friday.day - 5, 12, 0))
    firsts = {}
    for slot in slots:
        firsts.setdefault(slot.local_start.date(), slot)
    assert firsts[friday].local_start.strftime("%H:%M") == firsts[monday].local_start.strftime("%H:%M") == "08:00"
    assert firsts[friday].starts_at.astimezone(UTC).hour == before
    assert firsts[monday].starts_at.astimezone(UTC).hour == after
    assert all(s.ends_at - s.starts_at == datetime.timedelta(minutes=15) for s in slots)


def _night_hours(world, sunday):
    setup_services.add_weekly_hours(world.users[Role.CLINIC_ADMIN], practitioner=world.gyn, weekday=6,
                                    start_time="01:00", end_time="04:00", slot_minutes=30, valid_from=sunday,
                                    visit_types=[world.follow_up, world.first_visit, world.prenatal])


def test_the_hour_skipped_in_spring_has_no_slots(world, in_clinic):
    sunday = datetime.date(2030, 3, 31)
    _night_hours(world, sunday)
    slots = find_free_slots(visit_type=world.first_visit, practitioner=world.gyn, date_from=sunday, date_to=sunday,
                            now=local(2030, 3, 20, 12, 0))
    assert hhmm(slots) == ["01:00", "01:30", "03:00", "03:30"]
    assert [s.starts_at.astimezone(UTC).strftime("%H:%M") for s in slots] == ["00:00", "00:30", "01:00", "01:30"]


def test_the_hour_repeated_in_autumn_counts_once_and_a_long_visit_does_not_span_the_gap(world, in_clinic):
    sunday = datetime.date(2030, 10, 27)
    _night_hours(world, sunday)
    now = local(2030, 10, 20, 12, 0)
    half_hours = find_free_slots(visit_type=world.first_visit, practitioner=world.gyn, date_from=sunday,
                                 date_to=sunday, now=now)
    assert hhmm(half_hours) == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    assert len({s.starts_at for s in half_hours}) == 6
    # 45 minutes need two consecutive half-hour slots; 2:30 (first pass) and 3:00 are 90 real minutes apart.
    long_visits = find_free_slots(visit_type=world.prenatal, practitioner=world.gyn, date_from=sunday,
                                  date_to=sunday, now=now)
    assert hhmm(long_visits) == ["01:00", "01:30", "02:00", "03:00"]
    assert all(s.ends_at - s.starts_at == datetime.timedelta(minutes=45) for s in long_visits)
