"""booked → checked in → completed; booked → cancelled | no-show; nothing else, and each by the right roles."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.scheduling import services
from klinika.scheduling.models import Appointment
from tests.scheduling.booking import book_next, placed, still_today

pytestmark = pytest.mark.django_db


def _status(appointment):
    return Appointment.objects.get(pk=appointment.pk).status


def test_a_visit_today_is_checked_in_by_the_desk_and_completed_by_the_doctor(world, in_clinic):
    appointment = placed(world, minutes_from_now=still_today(5))
    checked = services.check_in(world.users[Role.REGISTRAR], appointment.pk)
    assert checked.status == "checked_in" and checked.checked_in_at is not None
    services.complete(world.users[Role.DOCTOR], appointment.pk)
    assert _status(appointment) == "completed"
    reasons = list(AuditEvent.objects.filter(object_type="appointment", object_id=str(appointment.pk))
                   .values_list("reason", flat=True))
    assert reasons == ["checked_in", "completed"]


def test_check_in_only_on_the_day_of_the_visit(world, in_clinic):
    appointment = book_next(world)  # a future weekday, never today
    with pytest.raises(ValidationError):
        services.check_in(world.users[Role.REGISTRAR], appointment.pk)
    assert _status(appointment) == "booked"


def test_no_show_only_after_the_start(world, in_clinic):
    future, past = placed(world, 30), placed(world, -60, patient=1)
    with pytest.raises(ValidationError):
        services.mark_no_show(world.users[Role.NURSE], future.pk)
    services.mark_no_show(world.users[Role.NURSE], past.pk)
    assert (_status(future), _status(past)) == ("booked", "no_show")


@pytest.mark.parametrize("status", ["completed", "no_show", "cancelled", "checked_in"])
def test_closed_visits_cannot_be_checked_in_or_cancelled_again(world, in_clinic, status):
    appointment = placed(world, -120 if status != "checked_in" else still_today(5), status=status)
    with pytest.raises(ValidationError):
        services.check_in(world.users[Role.REGISTRAR], appointment.pk)
    with pytest.raises(ValidationError):
        services.cancel_appointment(world.users[Role.REGISTRAR], appointment.pk, "pacjent prosi")
    assert _status(appointment) == status


def test_completing_needs_a_check_in_first(world, in_clinic):
    appointment = placed(world, -10)
    with pytest.raises(ValidationError):
        services.complete(world.users[Role.DOCTOR], appointment.pk)
    assert _status(appointment) == "booked"


def test_each_step_belongs_to_its_roles(world, in_clinic):
    appointment = placed(world, 5)
    with pytest.raises(PermissionDenied):
        services.check_in(world.users[Role.DOCTOR], appointment.pk)
    with pytest.raises(PermissionDenied):
        services.cancel_appointment(world.users[Role.DOCTOR], appointment.pk, "x")
    with pytest.raises(PermissionDenied):
        services.complete(world.users[Role.REGISTRAR], appointment.pk)
    with pytest.raises(PermissionDenied):
        services.mark_no_show(world.users[Role.DPO], appointment.pk)
    assert _status(appointment) == "booked"


def test_cancelling_needs_a_reason_which_is_stored_encrypted(world, in_clinic):
    appointment = book_next(world)
    with pytest.raises(ValidationError) as error:
        services.cancel_appointment(world.users[Role.REGISTRAR], appointment.pk, "   ")
    assert "reason" in error.value.message_dict
    services.cancel_appointment(world.users[Role.REGISTRAR], appointment.pk, "Pacjentka w szpitalu")
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.status, stored.cancel_reason) == ("cancelled", "Pacjentka w szpitalu")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cancel_reason, reason FROM scheduling_appointment WHERE id = %s", [appointment.pk])
        cancel_raw, reason_raw = cursor.fetchone()
    assert b"szpitalu" not in bytes(cancel_raw) and b"kontrola" not in bytes(reason_raw)


def test_a_cancelled_slot_can_be_booked_again(world, in_clinic):
    appointment = book_next(world)
    services.cancel_appointment(world.users[Role.REGISTRAR], appointment.pk, "zmiana planów")
    again = services.book(world.users[Role.REGISTRAR], patient=world.patients[1], practitioner=world.gyn,
                          visit_type=world.first_visit, starts_at=appointment.starts_at)
    assert again.status == "booked" and again.starts_at == appointment.starts_at
