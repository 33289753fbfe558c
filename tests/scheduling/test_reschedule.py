"""Rescheduling: a new appointment linked to the old one, the old one cancelled, all or nothing."""
import pytest
from django.core.exceptions import ValidationError

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.scheduling import services
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import Appointment
from tests.scheduling.booking import book_next, free_slot

pytestmark = pytest.mark.django_db


def test_a_reschedule_links_the_new_visit_and_cancels_the_old(world, in_clinic):
    old = book_next(world, reason="ból brzucha")
    target = free_slot(world, weekday=2, index=3)
    new = services.reschedule(world.users[Role.REGISTRAR], old.pk, starts_at=target.starts_at)
    old.refresh_from_db()
    assert old.status == "cancelled" and new.rescheduled_from_id == old.pk and new.status == "booked"
    assert (new.starts_at, new.reason, new.patient_id) == (target.starts_at, "ból brzucha", old.patient_id)
    assert AuditEvent.objects.filter(object_type="appointment", object_id=str(old.pk), action="update").exists()


def test_moving_by_a_quarter_hour_overlapping_itself_works(world, in_clinic):
    old = book_next(world, index=0)  # 8:00-8:30
    later = free_slot(world, index=1)  # 8:15: overlaps only the visit being moved
    new = services.reschedule(world.users[Role.REGISTRAR], old.pk, starts_at=later.starts_at)
    assert new.starts_at == later.starts_at


def test_a_taken_target_changes_nothing(world, in_clinic):
    mine, theirs = book_next(world, patient=0, index=0), book_next(world, patient=1, weekday=1, index=0)
    with pytest.raises(SlotTaken):
        services.reschedule(world.users[Role.REGISTRAR], mine.pk, starts_at=theirs.starts_at)
    assert Appointment.objects.get(pk=mine.pk).status == "booked"
    assert Appointment.objects.count() == 2


def test_a_time_not_offered_changes_nothing(world, in_clinic):
    mine = book_next(world)
    with pytest.raises(ValidationError):
        services.reschedule(world.users[Role.REGISTRAR], mine.pk, starts_at=mine.starts_at.replace(hour=3))
    with pytest.raises(ValidationError):
        services.reschedule(world.users[Role.REGISTRAR], mine.pk, starts_at="not a date")
    assert Appointment.objects.get(pk=mine.pk).status == "booked" and Appointment.objects.count() == 1
