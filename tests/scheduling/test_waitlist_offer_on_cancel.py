"""A cancelled visit's time goes to the first waiting patient it fits; accepting the offer books it."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import WaitlistEntry
from klinika.scheduling.services import waitlist
from klinika.scheduling.slots import local_date
from tests.scheduling.booking import book_next

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled_visit(world, in_clinic):
    appointment = book_next(world, patient=0)
    return appointment


def _wait(world, patient, **kwargs):
    day = local_date(timezone.now())
    data = {"visit_type": world.follow_up, "earliest": day, "latest": day + datetime.timedelta(days=20)} | kwargs
    return waitlist.add_to_waitlist(world.users[Role.REGISTRAR], patient=world.patients[patient], **data)


def _cancel(world, appointment):
    services.cancel_appointment(world.users[Role.REGISTRAR], appointment.pk, "pacjent wyjeżdża")


def test_the_first_fitting_entry_gets_the_offer(world, people, cancelled_visit):
    from klinika.patients.models import Patient

    for _ in range(2):
        patient = Patient(**people.patient())
        patient.save()
        world.patients.append(patient)
    too_late = _wait(world, 1, earliest=local_date(cancelled_visit.starts_at) + datetime.timedelta(days=1))
    other_specialty = _wait(world, 1, specialty="0723")
    first = _wait(world, 2, specialty="0724")
    second = _wait(world, 3)
    _cancel(world, cancelled_visit)
    statuses = {e.pk: (e.status, e.offered_starts_at) for e in WaitlistEntry.objects.all()}
    assert statuses[first.pk] == ("offered", cancelled_visit.starts_at)
    assert statuses[second.pk][0] == statuses[too_late.pk][0] == statuses[other_specialty.pk][0] == "waiting"
    offer = WaitlistEntry.objects.get(pk=first.pk)
    assert offer.offered_practitioner_id == world.gyn.pk
    assert timezone.now() < offer.offer_expires_at <= cancelled_visit.starts_at


def test_accepting_the_offer_books_the_freed_time(world, cancelled_visit):
    entry = _wait(world, 1, practitioner=world.gyn)
    _cancel(world, cancelled_visit)
    appointment = waitlist.accept_offer(world.users[Role.REGISTRAR], entry.pk)
    assert appointment.starts_at == cancelled_visit.starts_at and appointment.patient_id == world.patients[1].pk
    entry.refresh_from_db()
    assert entry.status == "booked" and entry.appointment_id == appointment.pk


def test_the_offered_time_is_held_so_nobody_else_takes_it_meanwhile(world, cancelled_visit):
    entry = _wait(world, 1)
    _cancel(world, cancelled_visit)
    with pytest.raises(SlotTaken):
        services.book(world.users[Role.REGISTRAR], patient=world.patients[0], practitioner=world.gyn,
                      visit_type=world.follow_up, starts_at=cancelled_visit.starts_at)
    appointment = waitlist.accept_offer(world.users[Role.REGISTRAR], entry.pk)
    entry.refresh_from_db()
    assert entry.status == "booked" and appointment.status == "booked" and appointment.patient_id == entry.patient_id


def test_an_expired_offer_cannot_be_accepted(world, cancelled_visit):
    entry = _wait(world, 1)
    _cancel(world, cancelled_visit)
    WaitlistEntry.objects.filter(pk=entry.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        waitlist.accept_offer(world.users[Role.REGISTRAR], entry.pk)


def test_declining_passes_the_time_to_the_next_in_line(world, people, cancelled_visit):
    from klinika.patients.models import Patient

    patient = Patient(**people.patient())
    patient.save()
    world.patients.append(patient)
    first, second = _wait(world, 1), _wait(world, 2)
    _cancel(world, cancelled_visit)
    waitlist.decline_offer(world.users[Role.REGISTRAR], first.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "waiting" and second.status == "offered"


def test_bad_waitlist_input_is_refused(world, in_clinic):
    with pytest.raises(ValidationError):
        _wait(world, 1, earliest=datetime.date(2030, 5, 2), latest=datetime.date(2030, 5, 1))
    with pytest.raises(ValidationError):
        _wait(world, 1, specialty="9999")
    with pytest.raises(ValidationError):
        _wait(world, 1, earliest="yesterday")
    assert not WaitlistEntry.objects.exists()
