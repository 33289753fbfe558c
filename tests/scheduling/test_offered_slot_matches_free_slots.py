"""Booking checks one slot with a few rows (offered_slot) instead of laying out the whole day: it must
give exactly the answer find_free_slots gives, for every time of a day with weekly hours, extra
hours (of some visit types or of all), leave, appointments of every status, long visits, and on
the two days a year when the clock changes."""
import datetime

import pytest

from klinika.accounts.roles import Role
from klinika.scheduling.models import Appointment, AvailabilityException
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import find_free_slots, offered_slot
from tests.scheduling.timeutil import local

pytestmark = pytest.mark.django_db
WEDNESDAY = datetime.date(2030, 1, 16)
NOW = local(2030, 1, 10, 12, 0)


def _candidates(world, day, first, last, now):
    """Every time any visit type could start (free or not), five minutes off each, and the edges."""
    starts = {s.starts_at for visit_type in (world.follow_up, world.first_visit, world.prenatal)
              for s in find_free_slots(visit_type=visit_type, practitioner=world.gyn, date_from=day, date_to=day,
                                       now=now, include_taken=True)}
    off_grid = {moment + datetime.timedelta(minutes=5) for moment in starts}
    return sorted(starts | off_grid | {first, last})


def _same_answers(world, day, first, last, now):
    checked = 0
    moments = _candidates(world, day, first, last, now)
    for visit_type in (world.follow_up, world.first_visit, world.prenatal):
        for include_taken in (False, True):
            free = {s.starts_at: s for s in find_free_slots(visit_type=visit_type, practitioner=world.gyn,
                                                            date_from=day, date_to=day, now=now,
                                                            include_taken=include_taken)}
            for moment in moments:
                one = offered_slot(practitioner=world.gyn, visit_type=visit_type, starts_at=moment, now=now,
                                   include_taken=include_taken)
                assert one == free.get(moment), (visit_type.name, include_taken, moment)
                checked += one is not None
            # by id, as the API passes it: the same answer
            assert [offered_slot(practitioner=world.gyn.pk, visit_type=visit_type, starts_at=moment, now=now,
                                 include_taken=include_taken) for moment in free] == list(free.values())
    return checked


def test_one_slot_is_offered_exactly_when_the_day_lists_it(clinic, people):
    from tests.scheduling.world import build

    world = build(clinic, people, valid_from=datetime.date(2030, 1, 1), patients=3)
    from klinika.tenancy.context import clinic_context

    with clinic_context(clinic):
        admin = world.users[Role.CLINIC_ADMIN]
        extra_room = setup_services.create_room(admin, "Gabinet 2")
        # extra hours for follow-ups only, 13:00-15:00 in 20-minute slots, another room
        setup_services.add_exception(admin, practitioner=world.gyn, kind=AvailabilityException.Kind.EXTRA,
                                     starts_at=local(2030, 1, 16, 13, 0), ends_at=local(2030, 1, 16, 15, 0),
                                     slot_minutes=20, room=extra_room, visit_types=[world.follow_up])
        # extra hours for every visit type, overlapping the weekly hours' end (the weekly room wins there)
        setup_services.add_exception(admin, practitioner=world.gyn, kind=AvailabilityException.Kind.EXTRA,
                                     starts_at=local(2030, 1, 16, 11, 30), ends_at=local(2030, 1, 16, 12, 45))
        setup_services.add_exception(admin, practitioner=world.gyn, kind=AvailabilityException.Kind.UNAVAILABLE,
                                     starts_at=local(2030, 1, 16, 9, 0), ends_at=local(2030, 1, 16, 9, 40))
        statuses = {(10, 0): "booked", (10, 30): "completed", (10, 45): "no_show", (11, 0): "cancelled",
                    (13, 20): "checked_in", (14, 0): "held"}  # "held": any status but cancelled holds the time
        for (hour, minute), status in statuses.items():
            starts = local(2030, 1, 16, hour, minute)
            Appointment(patient=world.patients[0], practitioner=world.gyn, visit_type=world.follow_up,
                        starts_at=starts, ends_at=starts + datetime.timedelta(minutes=15), status=status).save()
        checked = _same_answers(world, WEDNESDAY, local(2030, 1, 16, 7, 0), local(2030, 1, 16, 16, 0), NOW)
        assert checked > 40
        assert offered_slot(practitioner=world.gyn, visit_type=world.follow_up, starts_at=local(2030, 1, 16, 11, 0),
                            now=NOW) is not None  # a cancelled visit frees its time
        for busy in ((10, 0), (10, 30), (10, 45), (13, 20), (14, 0)):
            assert offered_slot(practitioner=world.gyn, visit_type=world.follow_up,
                                starts_at=local(2030, 1, 16, *busy), now=NOW) is None
        assert offered_slot(practitioner=world.gyn, visit_type=world.follow_up,
                            starts_at=local(2030, 1, 16, 13, 40), now=NOW).room_id == extra_room.pk


@pytest.mark.parametrize("sunday", [datetime.date(2030, 3, 31), datetime.date(2030, 10, 27)])
def test_on_the_days_the_clock_changes_one_slot_agrees_with_the_day(clinic, people, sunday):
    from klinika.tenancy.context import clinic_context
    from tests.scheduling.world import build

    world = build(clinic, people, valid_from=datetime.date(2030, 1, 1), patients=1)
    with clinic_context(clinic):
        setup_services.add_weekly_hours(world.users[Role.CLINIC_ADMIN], practitioner=world.gyn, weekday=6,
                                        start_time="01:00", end_time="04:00", slot_minutes=30, valid_from=sunday,
                                        visit_types=[world.follow_up, world.first_visit, world.prenatal])
        start = datetime.datetime.combine(sunday - datetime.timedelta(days=1), datetime.time(22, 0),
                                          datetime.timezone.utc)
        checked = _same_answers(world, sunday, start, start + datetime.timedelta(hours=7),
                                now=local(2030, sunday.month, 20, 12, 0))
        # spring: 1:00, 1:30, 3:00, 3:30 (and a 45-minute visit from 1:30 too: 3:00 follows 30 real minutes
        # later); autumn: six half hours, a 45-minute visit never across the repeated hour's seam
        assert checked == {3: (4 + 4 + 3) * 2, 10: (6 + 6 + 4) * 2}[sunday.month]
