"""The reason for a visit: a registrar types it when booking but never sees it again; doctors and nurses do."""
import json

import pytest

from klinika.accounts.roles import Role
from klinika.tenancy.context import clinic_context
from tests.scheduling.booking import book_next, free_slot
from tests.scheduling.clients import api_client, logged_in

pytestmark = pytest.mark.django_db
REASON = "Krwawienie <b>po</b> zabiegu"


@pytest.fixture
def appointment(world, clinic):
    with clinic_context(clinic):
        return book_next(world, reason=REASON)


PAGES = ["/schedule/appointments/{id}/", "/schedule/practitioners/{gyn}/?date={date}&view=week",
         "/schedule/patients/{patient}/appointments/"]


def _pages(client, world, appointment):
    values = {"id": appointment.pk, "gyn": world.gyn.pk, "date": appointment.starts_at.date().isoformat(),
              "patient": appointment.patient_id}
    return [client.get(page.format(**values)) for page in PAGES]


def test_a_registrar_sees_no_reason_on_any_page_or_in_the_api(world, appointment):
    for response in _pages(logged_in(world.users[Role.REGISTRAR]), world, appointment):
        assert response.status_code == 200
        assert "Krwawienie" not in response.content.decode()
    client = api_client(world.users[Role.REGISTRAR])
    body = client.get(f"/api/schedule/appointments/{appointment.pk}").json()
    assert "reason" not in body and body["patient_name"]
    day = appointment.starts_at.date().isoformat()
    listed = client.get(f"/api/schedule/appointments?from={day}&to={day}").json()
    assert listed and all("reason" not in item for item in listed)


@pytest.mark.parametrize("role", [Role.DOCTOR, Role.NURSE])
def test_doctors_and_nurses_see_it_escaped(world, appointment, role):
    for response in _pages(logged_in(world.users[role]), world, appointment):
        assert "Krwawienie &lt;b&gt;po&lt;/b&gt; zabiegu" in response.content.decode()
    body = api_client(world.users[role]).get(f"/api/schedule/appointments/{appointment.pk}").json()
    assert body["reason"] == REASON


def test_the_booking_answer_of_the_api_does_not_echo_the_reason_to_a_registrar(world, clinic):
    with clinic_context(clinic):
        slot = free_slot(world, weekday=3)
    response = api_client(world.users[Role.REGISTRAR]).post("/api/schedule/appointments", data=json.dumps({
        "patient": world.patients[1].pk, "practitioner": world.gyn.pk, "visit_type": world.first_visit.pk,
        "starts_at": slot.local_start.isoformat(), "reason": REASON}), content_type="application/json")
    assert response.status_code == 201 and "reason" not in response.json()
    assert "Krwawienie" not in response.content.decode()
