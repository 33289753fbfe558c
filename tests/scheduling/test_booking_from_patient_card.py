"""Booking from the patient card: the patient stays chosen through the whole flow, nothing is flagged as an
error before anything is entered, and every step's address holds what was chosen (the browser's back keeps it)."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from klinika.accounts.roles import Role
from klinika.scheduling.models import Appointment
from klinika.tenancy.context import clinic_context
from tests.scheduling.clients import logged_in
from tests.scheduling.world import next_weekday

pytestmark = pytest.mark.django_db


def test_the_patient_travels_from_the_card_to_the_booked_visit(world, clinic):
    patient = world.patients[1]
    client = logged_in(world.users[Role.REGISTRAR])
    card = client.get(f"/schedule/patients/{patient.pk}/appointments/").content.decode()
    assert f"/schedule/book/?patient={patient.pk}" in card and f"/schedule/day/?patient={patient.pk}" in card
    start = client.get(f"/schedule/book/?patient={patient.pk}")
    body = start.content.decode()
    assert start.status_code == 200 and 'role="alert"' not in body and "field-error" not in body
    assert patient.last_name in body and f'name="patient" value="{patient.pk}"' in body
    monday = next_weekday(0)
    search = f"/schedule/book/?patient={patient.pk}&specialty=0724&visit_type={world.follow_up.pk}&week={monday}"
    results = client.get(search).content.decode()
    link = re.findall(r'class="slot" href="([^"]+)"', results)[0].replace("&amp;", "&")
    params = parse_qs(urlsplit(link).query)
    assert params["patient"] == [str(patient.pk)] and params["back"][0].startswith("/schedule/book/?")
    back = parse_qs(urlsplit(params["back"][0]).query)
    assert back["specialty"] == ["0724"] and back["patient"] == [str(patient.pk)] and back["week"] == [str(monday)]
    confirm = client.get(link).content.decode()
    assert patient.last_name in confirm and 'role="alert"' not in confirm
    assert f'href="{params["back"][0].replace("&", "&amp;")}"' in confirm  # "Back" returns to the same results
    booked = client.post("/schedule/book/confirm/", {
        "practitioner": params["practitioner"][0], "visit_type": params["visit_type"][0],
        "starts_at": params["starts_at"][0], "patient": patient.pk, "back": params["back"][0]})
    with clinic_context(clinic):
        appointment = Appointment.objects.get()
    assert booked.status_code == 302 and appointment.patient_id == patient.pk
    after = client.get(booked["Location"]).content.decode()
    assert f"/schedule/appointments/{appointment.pk}/confirmation.pdf" in after


def test_a_patient_search_on_the_confirmation_is_kept_in_the_address(world, clinic):
    with clinic_context(clinic):
        pesel = world.patients[0].pesel
    client = logged_in(world.users[Role.REGISTRAR])
    fragment = client.get("/schedule/book/patients/", {
        "practitioner": world.gyn.pk, "visit_type": world.follow_up.pk, "starts_at": "2030-01-07T08:00:00+01:00",
        "q": pesel, "back": "/schedule/book/?visit_type=1"}, HTTP_HX_REQUEST="true")
    pushed = parse_qs(urlsplit(fragment["HX-Push-Url"]).query)
    assert fragment["HX-Push-Url"].startswith("/schedule/book/confirm/?") and pushed["q"] == [pesel]
    assert pushed["back"] == ["/schedule/book/?visit_type=1"]
    waitlist = client.get("/schedule/book/patients/", {"q": pesel, "form_id": "waitlist-form"}, HTTP_HX_REQUEST="true")
    assert "HX-Push-Url" not in waitlist
