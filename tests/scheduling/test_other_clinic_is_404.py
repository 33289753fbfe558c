"""Ids of another clinic's appointments, practitioners and patients answer 404, in the UI and the API."""
import json

import pytest

from klinika.accounts.roles import Role
from klinika.scheduling.models import Appointment
from klinika.tenancy.context import clinic_context
from tests.scheduling.booking import book_next
from tests.scheduling.clients import api_client, logged_in
from tests.scheduling.world import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clinics(make_clinic, people):
    a, b = make_clinic(), make_clinic()
    world_a, world_b = build(a, people), build(b, people)
    with clinic_context(a):
        appointment = book_next(world_a)
    return world_a, world_b, appointment


def test_pages_of_another_clinic_are_not_found(two_clinics):
    world_a, world_b, appointment = two_clinics
    for role in (Role.REGISTRAR, Role.DOCTOR, Role.CLINIC_ADMIN):
        client = logged_in(world_b.users[role])
        for url in (f"/schedule/appointments/{appointment.pk}/", f"/schedule/practitioners/{world_a.gyn.pk}/",
                    f"/schedule/patients/{appointment.patient_id}/appointments/",
                    f"/schedule/appointments/{appointment.pk}/reschedule/"):
            assert client.get(url).status_code in (403, 404), (role, url)
        assert client.get(f"/schedule/appointments/{appointment.pk}/").status_code == 404
    registrar = logged_in(world_b.users[Role.REGISTRAR])
    assert registrar.post(f"/schedule/appointments/{appointment.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert registrar.post(f"/schedule/appointments/{appointment.pk}/check-in/").status_code == 404
    confirm = (f"/schedule/book/confirm/?practitioner={world_a.gyn.pk}&visit_type={world_a.first_visit.pk}"
               f"&starts_at={appointment.starts_at.isoformat()}")
    assert registrar.get(confirm).status_code == 404
    assert logged_in(world_b.users[Role.CLINIC_ADMIN]).get(
        f"/schedule/setup/practitioners/{world_a.gyn.pk}/").status_code == 404
    with clinic_context(world_a.clinic):
        assert Appointment.objects.get(pk=appointment.pk).status == "booked"


def test_the_api_answers_404_for_another_clinics_ids(two_clinics):
    world_a, world_b, appointment = two_clinics
    client = api_client(world_b.users[Role.REGISTRAR])
    assert client.get(f"/api/schedule/appointments/{appointment.pk}").status_code == 404
    for action in ("cancel", "check-in", "no-show", "complete", "reschedule"):
        body = {"reason": "x"} if action == "cancel" else {"starts_at": appointment.starts_at.isoformat()}
        response = client.post(f"/api/schedule/appointments/{appointment.pk}/{action}", data=json.dumps(body),
                               content_type="application/json")
        assert response.status_code in (403, 404), action
    day = appointment.starts_at.date().isoformat()
    assert client.get(f"/api/schedule/slots?visit_type={world_b.first_visit.pk}&practitioner={world_a.gyn.pk}"
                      f"&from={day}&to={day}").status_code == 404
    listing = f"/api/schedule/appointments?from={day}&to={day}&practitioner={world_a.gyn.pk}"
    assert client.get(listing).status_code == 404
    assert client.get(f"/api/practitioners/{world_a.gyn.pk}").status_code == 404
    booking = client.post("/api/schedule/appointments", data=json.dumps({
        "patient": appointment.patient_id, "practitioner": world_b.gyn.pk, "visit_type": world_b.first_visit.pk,
        "starts_at": appointment.starts_at.isoformat()}), content_type="application/json")
    assert booking.status_code == 400 and "patient" in booking.json()["errors"]
    with clinic_context(world_a.clinic):
        assert Appointment.objects.get(pk=appointment.pk).status == "booked"
