"""Three booked follow-ups next Monday morning (08:00, 08:15, 08:30) of patients who agreed to SMS, for the tests of
a leave over booked visits."""
import datetime

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.slots import wall_time
from tests.notify.booking import add_patient
from tests.scheduling.world import next_weekday

REASONS = ("ciąża, kontrola", "endometrioza", "wynik cytologii")


def three_booked_visits(world, people) -> list:
    monday = next_weekday(0)
    visits = []
    for minute, reason in zip((0, 15, 30), REASONS, strict=True):
        patient = add_patient(people)
        visits.append(services.book(world.users[Role.REGISTRAR], patient=patient, practitioner=world.gyn,
                                    visit_type=world.follow_up, starts_at=wall_time(monday, datetime.time(8, minute)),
                                    reason=reason))
    return visits


def monday_leave(visits):
    """The whole of that Monday, as aware moments."""
    monday = visits[0].starts_at.astimezone(wall_time(next_weekday(0), datetime.time(0)).tzinfo).date()
    return wall_time(monday, datetime.time(0, 0)), wall_time(monday, datetime.time(23, 0))
