"""Shortcuts for the waitlist-offer message tests: a visit to cancel, patients waiting, the link from the outbox."""
import datetime

from django.utils import timezone

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.services import waitlist
from klinika.scheduling.slots import local_date
from tests.notify.booking import add_patient
from tests.scheduling.booking import book_next

VISIT_REASON = "ciąża, kontrola po poronieniu"


def visit_to_cancel(world):
    """A follow-up with the gynaecologist next Monday, booked for world.patients[0] with a telling reason."""
    return book_next(world, patient=0, reason=VISIT_REASON, visit_type=world.follow_up)


def waiting(world, people, *, specialty="0724", **patient_fields):
    """A new patient (SMS consent unless told otherwise) waiting for a gynaecologist's follow-up."""
    patient = add_patient(people, **patient_fields)
    day = local_date(timezone.now())
    return waitlist.add_to_waitlist(world.users[Role.REGISTRAR], patient=patient, visit_type=world.follow_up,
                                    earliest=day, latest=day + datetime.timedelta(days=20), specialty=specialty)


def cancel(world, appointment, capture):
    """Cancel as the desk does, running what waits for the commit (the offer's message) like a real commit."""
    with capture(execute=True):
        services.cancel_appointment(world.users[Role.REGISTRAR], appointment.pk, "pacjentka wyjeżdża")


def link_path(text: str) -> str:
    return "/r/" + text.rsplit("/r/", 1)[1].split()[0]
