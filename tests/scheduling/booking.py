"""Shortcuts for tests: a booked future slot through the service, or an appointment placed directly at any time."""
import datetime

from django.utils import timezone

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.models import Appointment
from klinika.scheduling.slots import find_free_slots
from tests.scheduling.world import next_weekday


def free_slot(world, visit_type=None, weekday=0, index=0, practitioner=None):
    day = next_weekday(weekday)
    return find_free_slots(visit_type=visit_type or world.first_visit, practitioner=practitioner or world.gyn,
                           date_from=day, date_to=day)[index]


def book_next(world, patient=0, weekday=0, index=0, reason="kontrola", visit_type=None):
    slot = free_slot(world, visit_type, weekday, index)
    return services.book(world.users[Role.REGISTRAR], patient=world.patients[patient], practitioner=world.gyn,
                         visit_type=visit_type or world.first_visit, starts_at=slot.starts_at, reason=reason)


def still_today(minutes: int, length: int = 15) -> int:
    """`minutes` from now, or as long before now when that would run past midnight, so a visit placed
    at the result is on today's list (and can be checked in) at any hour the tests run."""
    now = timezone.localtime()
    if (now + datetime.timedelta(minutes=minutes + length)).date() == now.date():
        return minutes
    return -(minutes + length)


def placed(world, minutes_from_now, patient=0, status="booked", length=15):
    """An appointment at any time (the past too), as if booked earlier: written straight to the table."""
    start = timezone.now() + datetime.timedelta(minutes=minutes_from_now)
    appointment = Appointment(patient=world.patients[patient], practitioner=world.gyn, visit_type=world.follow_up,
                              starts_at=start, ends_at=start + datetime.timedelta(minutes=length), status=status,
                              reason="ból głowy")
    appointment.save()
    return appointment
