"""Signing a visit completes its appointment, in the signing transaction. A visit without an appointment
still signs; an appointment that already ended (cancelled, missed) is left as it is, never revived."""
import pytest
from django.core.exceptions import ValidationError

from klinika.audit.models import AuditEvent
from klinika.records import services
from klinika.records.models import Encounter
from klinika.scheduling.models import Appointment
from klinika.tenancy.context import clinic_context
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db


def _appointment_events(appointment):
    return list(AuditEvent.objects.filter(object_type="appointment", object_id=str(appointment.pk))
                .values_list("action", "reason"))


@pytest.mark.parametrize("status", ["booked", "checked_in"])
def test_signing_completes_a_booked_or_checked_in_appointment(ctx, visit, status):
    appointment = ctx.appointment(status=status)
    encounter = services.start_encounter(ctx.doctor_user, appointment.pk)
    services.sign(ctx.doctor_user, encounter.pk, visit)
    assert Appointment.objects.get(pk=appointment.pk).status == "completed"
    assert _appointment_events(appointment) == [("update", "completed (visit signed)")]
    assert AuditEvent.objects.filter(object_type="appointment", subject_ref=ctx.woman.subject_ref).count() == 1


def test_a_visit_without_an_appointment_signs(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.man.pk)
    assert services.sign(ctx.doctor_user, encounter.pk, visit).status == "signed"
    assert not AuditEvent.objects.filter(object_type="appointment").exists()


@pytest.mark.parametrize("ended", ["cancelled", "no_show"])
def test_an_appointment_that_ended_meanwhile_is_not_revived(ctx, visit, ended):
    appointment = ctx.appointment()
    encounter = services.start_encounter(ctx.doctor_user, appointment.pk)
    Appointment.objects.filter(pk=appointment.pk).update(status=ended)  # the desk, while the doctor writes
    assert services.sign(ctx.doctor_user, encounter.pk, visit).status == "signed"
    assert Appointment.objects.get(pk=appointment.pk).status == ended
    assert _appointment_events(appointment) == []


def test_an_already_completed_appointment_stays_completed_without_a_second_event(ctx, visit):
    appointment = ctx.appointment(status="completed")
    encounter = services.start_encounter(ctx.doctor_user, appointment.pk)
    services.sign(ctx.doctor_user, encounter.pk, visit)
    assert Appointment.objects.get(pk=appointment.pk).status == "completed"
    assert _appointment_events(appointment) == []


def test_a_refused_signature_leaves_the_appointment_booked(ctx, visit):
    appointment = ctx.appointment(status="booked")
    encounter = services.start_encounter(ctx.doctor_user, appointment.pk)
    with pytest.raises(ValidationError):
        services.sign(ctx.doctor_user, encounter.pk, {**visit, "diagnoses": []})
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"
    assert Encounter.objects.get(pk=encounter.pk).status == "draft"


def test_signing_on_the_visit_screen_completes_it(world, visit):
    appointment = world.appointment(status="checked_in")
    with clinic_context(world.clinic):
        encounter = services.start_encounter(world.doctor_user, appointment.pk)
    response = logged_in(world.doctor_user).post(f"/records/encounters/{encounter.pk}/save/", {
        "interview": "Kontrola", "diagnosis_code": ["J06.9"], "main_diagnosis": "J06.9", "action": "sign"})
    assert response.status_code == 302
    with clinic_context(world.clinic):
        assert Appointment.objects.get(pk=appointment.pk).status == "completed"
