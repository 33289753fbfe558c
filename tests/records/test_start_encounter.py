"""A visit starts from an appointment (the same visit if started twice) or unplanned, by a doctor."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klinika.audit.models import AuditEvent
from klinika.records import services
from klinika.records.models import Encounter, EncounterVersion
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db


def test_a_doctor_starts_a_visit_from_the_appointment_and_gets_a_draft(ctx):
    appointment = ctx.appointment()
    encounter = services.start_encounter(ctx.doctor_user, appointment.pk)
    assert encounter.appointment_id == appointment.pk and encounter.patient_id == ctx.woman.pk
    assert encounter.practitioner_id == ctx.doctor.pk and encounter.status == "draft"
    version = EncounterVersion.objects.get(encounter=encounter)
    assert version.number == 1 and version.signed_at is None and encounter.current_id == version.pk
    assert version.content == {"interview": "", "examination": "", "recommendations": "", "diagnoses": [],
                               "procedures": []}
    assert AuditEvent.objects.filter(action="create", object_type="encounter", object_id=str(encounter.pk),
                                     subject_ref=ctx.woman.subject_ref).exists()


def test_pressing_start_twice_opens_the_same_visit(ctx):
    appointment = ctx.appointment()
    first = services.start_encounter(ctx.doctor_user, appointment.pk)
    assert services.start_encounter(ctx.doctor_user, appointment.pk).pk == first.pk
    assert Encounter.objects.count() == 1


def test_an_unplanned_visit_needs_no_appointment(ctx):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.man.pk)
    assert encounter.appointment_id is None and encounter.patient_id == ctx.man.pk


@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_no_visit_for_a_cancelled_or_missed_appointment(ctx, status):
    appointment = ctx.appointment(status=status)
    with pytest.raises(ValidationError) as caught:
        services.start_encounter(ctx.doctor_user, appointment.pk)
    assert "cannot be started" in caught.value.messages[0]
    assert not Encounter.objects.exists()


def test_another_doctors_appointment_is_theirs_to_start(ctx):
    appointment = ctx.appointment(practitioner=ctx.second_doctor)
    with pytest.raises(ValidationError) as caught:
        services.start_encounter(ctx.doctor_user, appointment.pk)
    assert "another practitioner" in caught.value.messages[0]
    assert not Encounter.objects.exists()


@pytest.mark.parametrize("role", ["nurse", "registrar", "admin", "dpo"])
def test_only_a_doctor_starts_a_visit(ctx, role):
    with pytest.raises(PermissionDenied):
        services.start_encounter(ctx.users[role], ctx.appointment().pk)
    assert not Encounter.objects.exists()


def test_a_merged_patient_record_takes_no_new_visits(ctx):
    patient = ctx.patient(last_name="Duplikat", is_active=False)
    with pytest.raises(ValidationError) as caught:
        services.start_encounter(ctx.doctor_user, patient_id=patient.pk)
    assert "no longer in use" in caught.value.messages[0]
    assert not Encounter.objects.exists()


def test_the_appointment_button_posts_here_and_lands_on_the_visit_screen(world):
    appointment = world.appointment()
    client = logged_in(world.doctor_user)
    response = client.post(f"/records/appointments/{appointment.pk}/start/")
    assert response.status_code == 302
    assert response["Location"].startswith("/records/encounters/")
    assert client.get(response["Location"]).status_code == 200


def test_a_refused_start_goes_back_to_the_appointment_with_the_reason(world):
    appointment = world.appointment(status="cancelled")
    client = logged_in(world.doctor_user)
    response = client.post(f"/records/appointments/{appointment.pk}/start/", follow=False)
    assert response.status_code == 302 and response["Location"] == f"/schedule/appointments/{appointment.pk}/"
