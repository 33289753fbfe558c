"""A waitlist offer holds its slot (an appointment "held"): nobody else can book the time until the offer lapses;
then the worker, or a booking of that very time, releases it. Accepting books the hold; declining passes it on."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.accounts.roles import Role
from klinika.fhir.mappers.appointment import to_fhir
from klinika.patients.models import Patient
from klinika.scheduling import services
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import Appointment, WaitlistEntry
from klinika.scheduling.services import waitlist
from klinika.scheduling.services.reminders import due_appointments
from klinika.scheduling.slots import find_free_slots, local_date
from klinika.scheduling.tasks import release_waitlist_holds
from tests.scheduling.booking import book_next

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(world, people, in_clinic):
    """Patient 0's follow-up next Monday is cancelled; patient 1 (waiting) is offered its time."""
    visit = book_next(world, patient=0, visit_type=world.follow_up)
    day = local_date(timezone.now())
    entry = waitlist.add_to_waitlist(world.users[Role.REGISTRAR], patient=world.patients[1],
                                     visit_type=world.follow_up, earliest=day,
                                     latest=day + datetime.timedelta(days=20), practitioner=world.gyn)
    services.cancel_appointment(world.users[Role.REGISTRAR], visit.pk, "pacjentka wyjeżdża")
    other = Patient(**people.patient())
    other.save()
    world.patients.append(other)
    entry.refresh_from_db()
    return visit, entry, other


def _book_other(world, other, visit):
    return services.book(world.users[Role.REGISTRAR], patient=other, practitioner=world.gyn,
                         visit_type=world.follow_up, starts_at=visit.starts_at)


def _lapse(entry):
    WaitlistEntry.objects.filter(pk=entry.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(minutes=1))


def test_the_offer_writes_a_hold_that_is_busy_everywhere_and_never_reminded(world, offered):
    visit, entry, other = offered
    hold = Appointment.objects.get(pk=entry.appointment_id)
    assert (hold.status, hold.patient_id, hold.starts_at) == ("held", world.patients[1].pk, visit.starts_at)
    day = local_date(visit.starts_at)
    free = find_free_slots(visit_type=world.follow_up, practitioner=world.gyn, date_from=day, date_to=day)
    assert visit.starts_at not in {s.starts_at for s in free}
    with pytest.raises(SlotTaken):
        _book_other(world, other, visit)
    assert hold.pk not in due_appointments(now=hold.starts_at - datetime.timedelta(days=1))
    listed = services.appointments_between(world.users[Role.REGISTRAR], date_from=day, date_to=day,
                                           include_cancelled=False)
    held = "zarezerwowana dla oferty z listy oczekujących"
    assert [(a.pk, a.get_status_display()) for a in listed] == [(hold.pk, held)]
    for change, role in ((services.check_in, Role.REGISTRAR), (services.mark_no_show, Role.DOCTOR),
                         (services.complete, Role.DOCTOR), (services.cancel_appointment, Role.REGISTRAR)):
        with pytest.raises(ValidationError):
            change(world.users[role], hold.pk, *(["odwołana"] if change is services.cancel_appointment else []))
    assert to_fhir(hold).status == "proposed"


def test_until_the_offer_lapses_nobody_else_books_it_then_the_worker_frees_it(world, offered):
    visit, entry, other = offered
    with pytest.raises(SlotTaken):
        _book_other(world, other, visit)
    assert release_waitlist_holds.call(str(world.clinic.pk)) == {"released": 0}
    _lapse(entry)
    assert release_waitlist_holds.call(str(world.clinic.pk)) == {"released": 1}
    entry.refresh_from_db()
    assert entry.status == "waiting" and entry.appointment_id is None
    assert Appointment.objects.filter(status="held").count() == 0
    booked = _book_other(world, other, visit)
    assert booked.status == "booked" and booked.starts_at == visit.starts_at


def test_booking_the_exact_time_of_a_lapsed_hold_releases_it_without_the_worker(world, offered):
    visit, entry, other = offered
    hold_id = entry.appointment_id
    _lapse(entry)
    booked = _book_other(world, other, visit)
    assert booked.patient_id == other.pk
    assert Appointment.objects.get(pk=hold_id).status == "cancelled"
    entry.refresh_from_db()
    assert entry.status == "waiting"


def test_accepting_books_the_hold_itself(world, offered):
    visit, entry, other = offered
    appointment = waitlist.accept_offer(world.users[Role.REGISTRAR], entry.pk)
    assert appointment.pk == entry.appointment_id and appointment.status == "booked"
    assert appointment.booked_by_id == world.users[Role.REGISTRAR].pk
    assert Appointment.objects.filter(starts_at=visit.starts_at).exclude(status="cancelled").count() == 1


def test_declining_releases_the_hold_and_the_next_in_line_gets_a_hold_of_their_own(world, offered):
    visit, entry, other = offered
    day = local_date(timezone.now())
    second = waitlist.add_to_waitlist(world.users[Role.REGISTRAR], patient=other, visit_type=world.follow_up,
                                      earliest=day, latest=day + datetime.timedelta(days=20))
    first_hold = entry.appointment_id
    waitlist.decline_offer(world.users[Role.REGISTRAR], entry.pk)
    assert Appointment.objects.get(pk=first_hold).status == "cancelled"
    second.refresh_from_db()
    assert second.status == "offered"
    hold = Appointment.objects.get(pk=second.appointment_id)
    assert (hold.status, hold.patient_id, hold.starts_at) == ("held", other.pk, visit.starts_at)
