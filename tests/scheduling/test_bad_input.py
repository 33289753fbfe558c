"""Bad input gets a clear, translated message, changes nothing and never answers 500."""
import json

import pytest

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.scheduling.models import Appointment
from klinika.tenancy.context import clinic_context
from tests.scheduling.booking import book_next, free_slot
from tests.scheduling.clients import api_client, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot(world, clinic):
    with clinic_context(clinic):
        return free_slot(world)


def _booking(world, slot, **overrides):
    return {"patient": world.patients[0].pk, "practitioner": world.gyn.pk, "visit_type": world.first_visit.pk,
            "starts_at": slot.local_start.isoformat(), "reason": ""} | overrides


@pytest.mark.parametrize("overrides, field", [
    ({"starts_at": "2001-01-01T08:00:00+01:00"}, "starts_at"),
    ({"patient": 999999}, "patient"),
    ({"practitioner": 999999}, "practitioner"),
    ({"visit_type": 999999}, "visit_type"),
    ({"reason": "x" * 501}, "reason"),
])
def test_the_api_names_the_bad_field(world, clinic, slot, overrides, field):
    response = api_client(world.users[Role.REGISTRAR]).post(
        "/api/schedule/appointments", data=json.dumps(_booking(world, slot, **overrides)),
        content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    with clinic_context(clinic):
        assert not Appointment.objects.exists()
        assert not AuditEvent.objects.filter(object_type="appointment").exists()


def test_a_time_between_slots_is_not_offered(world, clinic, slot):
    import datetime

    odd = (slot.local_start + datetime.timedelta(minutes=7)).isoformat()
    response = api_client(world.users[Role.REGISTRAR], language="en").post(
        "/api/schedule/appointments", data=json.dumps(_booking(world, slot, starts_at=odd)),
        content_type="application/json")
    assert response.status_code == 400
    assert "does not offer this visit type at this time" in response.json()["errors"]["starts_at"][0]


@pytest.mark.parametrize("url", [
    "/api/schedule/slots?visit_type=1&from=soon&to=later",
    "/api/schedule/slots?visit_type=abc&from=2030-01-01&to=2030-01-02",
    "/api/schedule/slots?visit_type=999999&from=2030-01-01&to=2030-01-02",
    "/api/schedule/slots?visit_type={vt}&from=2030-01-10&to=2030-01-01",
    "/api/schedule/slots?visit_type={vt}&from=2030-01-01&to=2030-12-31",
    "/api/schedule/appointments?from=2030-01-01&to=2031-01-01",
    "/api/schedule/appointments/abc",
])
def test_malformed_queries_are_client_errors(world, url):
    response = api_client(world.users[Role.REGISTRAR]).get(url.format(vt=world.first_visit.pk))
    assert 400 <= response.status_code < 500 and response.json()["detail"]


def test_malformed_json_and_missing_fields_are_client_errors(world, clinic, slot):
    client = api_client(world.users[Role.REGISTRAR], language="en")
    for body in ("{not json", json.dumps({"patient": world.patients[0].pk}),
                 json.dumps(_booking(world, slot, starts_at="tomorrow"))):
        response = client.post("/api/schedule/appointments", data=body, content_type="application/json")
        assert 400 <= response.status_code < 500
    with clinic_context(clinic):
        appointment = book_next(world)
    response = client.post(f"/api/schedule/appointments/{appointment.pk}/cancel", data=json.dumps({"reason": ""}),
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"]["reason"] == ["Say why the visit is cancelled."]
    with clinic_context(clinic):
        assert Appointment.objects.get().status == "booked"


def test_the_booking_page_shows_a_message_for_a_bad_slot_and_books_nothing(world, clinic, slot):
    client = logged_in(world.users[Role.REGISTRAR], language="en")
    garbage = client.get("/schedule/book/confirm/?practitioner=1&visit_type=1&starts_at=yesterday")
    assert garbage.status_code in (302, 404)
    response = client.post("/schedule/book/confirm/", _booking(world, slot, patient="", reason="x"))
    assert response.status_code == 400 and "Choose a patient of this clinic." in response.content.decode()
    search = client.get("/schedule/book/?visit_type=nonsense&week=not-a-date")
    assert search.status_code == 400
    for url in ("/schedule/practitioners/999999/", "/schedule/appointments/999999/"):
        assert client.get(url).status_code == 404
    assert client.get(f"/schedule/practitioners/{world.gyn.pk}/?date=garbage&view=nonsense").status_code == 200
    with clinic_context(clinic):
        assert not Appointment.objects.exists()


def test_the_cancel_form_without_a_reason_says_so(world, clinic):
    with clinic_context(clinic):
        appointment = book_next(world)
    response = logged_in(world.users[Role.REGISTRAR]).post(f"/schedule/appointments/{appointment.pk}/cancel/",
                                                           {"reason": ""})
    assert response.status_code == 400 and "To pole jest wymagane." in response.content.decode()
    with clinic_context(clinic):
        assert Appointment.objects.get().status == "booked"
