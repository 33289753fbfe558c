"""The database itself refuses overlapping appointments (PostgreSQL: exclusion constraint; SQLite: triggers)."""
import datetime

import pytest
from django.db import IntegrityError, transaction

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.slots import find_free_slots
from tests.scheduling.overlap_sql import holding_time, insert_raw, move_raw, overlapping_pairs
from tests.scheduling.world import next_weekday

pytestmark = pytest.mark.django_db
MINUTES = datetime.timedelta(minutes=1)


@pytest.fixture
def booked(world, in_clinic):
    day = next_weekday(1)
    slot = find_free_slots(visit_type=world.first_visit, practitioner=world.gyn, date_from=day, date_to=day)[4]
    return services.book(world.users[Role.REGISTRAR], patient=world.patients[0], practitioner=world.gyn,
                         visit_type=world.first_visit, starts_at=slot.starts_at)


def _insert(world, start, end, status="booked", practitioner=None):
    insert_raw(clinic_id=world.clinic.pk, patient_id=world.patients[1].pk,
               practitioner_id=(practitioner or world.gyn).pk, visit_type_id=world.follow_up.pk, starts_at=start,
               ends_at=end, status=status)


@pytest.mark.parametrize("shift_start, shift_end", [(0, 0), (15, 15), (-15, -15), (-15, 15), (5, -5)])
def test_an_overlapping_insert_is_refused(world, booked, shift_start, shift_end):
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        _insert(world, booked.starts_at + shift_start * MINUTES, booked.ends_at + shift_end * MINUTES)
    assert holding_time(world.gyn.pk) == 1


def test_touching_cancelled_or_another_practitioners_appointments_are_accepted(world, booked):
    _insert(world, booked.ends_at, booked.ends_at + 15 * MINUTES)             # starts as the other ends
    _insert(world, booked.starts_at - 15 * MINUTES, booked.starts_at)          # ends as the other starts
    _insert(world, booked.starts_at, booked.ends_at, status="cancelled")
    _insert(world, booked.starts_at, booked.ends_at, practitioner=world.nurse)
    assert holding_time(world.gyn.pk) == 3 and overlapping_pairs() == 0


def test_moving_an_appointment_onto_another_is_refused(world, booked):
    _insert(world, booked.ends_at + 60 * MINUTES, booked.ends_at + 75 * MINUTES)
    other_id = max(a.pk for a in type(booked).objects.all())
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        move_raw(other_id, booked.starts_at + 10 * MINUTES, booked.starts_at + 25 * MINUTES)
    assert overlapping_pairs() == 0


def test_reviving_a_cancelled_appointment_into_a_taken_time_is_refused(world, booked):
    _insert(world, booked.starts_at, booked.ends_at, status="cancelled")
    cancelled = type(booked).objects.get(status="cancelled")
    with pytest.raises(IntegrityError), transaction.atomic():
        cancelled.status = "booked"
        cancelled.save(update_fields=["status"])
    assert overlapping_pairs() == 0
