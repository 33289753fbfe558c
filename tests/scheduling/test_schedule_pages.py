"""The staff pages: find a slot, pick the patient, book; the day at the desk; calendars; set-up."""
import re

import pytest
from django.utils import timezone

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.scheduling.models import Appointment, Room, WaitlistEntry
from klinika.tenancy.context import clinic_context
from tests.scheduling.booking import book_next, placed, still_today
from tests.scheduling.clients import logged_in
from tests.scheduling.world import next_weekday

pytestmark = pytest.mark.django_db


def test_a_registrar_books_through_the_pages(world, clinic):
    client = logged_in(world.users[Role.REGISTRAR], language="en")
    monday = next_weekday(0)
    search = client.get(f"/schedule/book/?specialty=0724&visit_type={world.first_visit.pk}&week={monday}")
    assert search.status_code == 200
    links = re.findall(r'href="(/schedule/book/confirm/\?[^"]+)"', search.content.decode())
    assert links, "no free slot listed"
    confirm_url = links[0].replace("&amp;", "&")
    with clinic_context(clinic):
        pesel = world.patients[0].pesel
    page = client.get(f"{confirm_url}&q={pesel}")
    assert page.status_code == 200 and f'value="{world.patients[0].pk}"' in page.content.decode()
    fragment = client.get(f"/schedule/book/patients/?q={pesel}", HTTP_HX_REQUEST="true")
    assert 'name="patient"' in fragment.content.decode() and "<html" not in fragment.content.decode()
    params = dict(pair.split("=", 1) for pair in confirm_url.split("?", 1)[1].split("&"))
    from urllib.parse import unquote

    response = client.post("/schedule/book/confirm/", {
        "practitioner": params["practitioner"], "visit_type": params["visit_type"],
        "starts_at": unquote(params["starts_at"]), "patient": world.patients[0].pk, "reason": "ból"})
    assert response.status_code == 302
    with clinic_context(clinic):
        appointment = Appointment.objects.get()
    assert response["Location"] == f"/schedule/appointments/{appointment.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "ból" not in detail  # the registrar typed it, but never sees it again
    again = client.post("/schedule/book/confirm/", {
        "practitioner": params["practitioner"], "visit_type": params["visit_type"],
        "starts_at": unquote(params["starts_at"]), "patient": world.patients[1].pk})
    assert again.status_code == 409 and "just been booked by someone else" in again.content.decode()


def test_the_slot_search_answers_htmx_with_a_fragment(world):
    client = logged_in(world.users[Role.REGISTRAR])
    response = client.get(f"/schedule/book/?visit_type={world.follow_up.pk}&week={next_weekday(0)}",
                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'class="slot"' in body


def test_the_desk_checks_a_patient_in_from_todays_list(world, clinic):
    with clinic_context(clinic):
        appointment = placed(world, still_today(10))
    client = logged_in(world.users[Role.REGISTRAR])
    today = client.get("/schedule/today/").content.decode()
    assert f"/schedule/appointments/{appointment.pk}/check-in/" in today
    response = client.post(f"/schedule/appointments/{appointment.pk}/check-in/", {"next": "today"})
    assert response.status_code == 302 and response["Location"] == "/schedule/today/"
    with clinic_context(clinic):
        assert Appointment.objects.get().status == "checked_in"
    doctor_view = logged_in(world.users[Role.DOCTOR]).get(f"/schedule/appointments/{appointment.pk}/")
    assert f"/schedule/appointments/{appointment.pk}/complete/" in doctor_view.content.decode()
    assert "/check-in/" not in logged_in(world.users[Role.DOCTOR]).get("/schedule/today/").content.decode()


def test_the_doctor_sees_the_visit_in_day_and_week_views_and_my_calendar(world, clinic):
    with clinic_context(clinic):
        appointment = book_next(world)
        name = world.patients[0].last_name
    client = logged_in(world.users[Role.DOCTOR])
    assert client.get("/schedule/my/")["Location"] == f"/schedule/practitioners/{world.gyn.pk}/"
    day = timezone.localtime(appointment.starts_at).date().isoformat()
    for view in ("day", "week"):
        page = client.get(f"/schedule/practitioners/{world.gyn.pk}/?date={day}&view={view}")
        assert name in page.content.decode() and f'data-appointment="{appointment.pk}"' in page.content.decode()
    fragment = client.get(f"/schedule/practitioners/{world.gyn.pk}/?date={day}&view=week", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and name in fragment.content.decode()
    with clinic_context(clinic):
        reads = AuditEvent.objects.filter(object_type="appointment", action="read", object_id=str(appointment.pk))
        assert reads.count() >= 3


def test_the_patient_card_fragment_lists_upcoming_and_past_visits(world, clinic):
    with clinic_context(clinic):
        upcoming = book_next(world)
        past = placed(world, -24 * 60, status="completed")
    body = logged_in(world.users[Role.REGISTRAR]).get(
        f"/schedule/patients/{world.patients[0].pk}/appointments/").content.decode()
    assert "<html" not in body
    assert body.index(f'data-appointment="{upcoming.pk}"') < body.index(f'data-appointment="{past.pk}"')
    assert f"/schedule/book/?patient={world.patients[0].pk}" in body


def test_cancel_and_reschedule_through_the_pages(world, clinic):
    with clinic_context(clinic):
        first, second = book_next(world, patient=0, index=0), book_next(world, patient=1, index=4)
    client = logged_in(world.users[Role.REGISTRAR])
    assert client.post(f"/schedule/appointments/{first.pk}/cancel/", {"reason": "choroba"}).status_code == 302
    page = client.get(f"/schedule/appointments/{second.pk}/reschedule/").content.decode()
    choices = re.findall(r'name="slot" value="([^"]+)"', page)
    assert choices
    response = client.post(f"/schedule/appointments/{second.pk}/reschedule/", {"slot": choices[-1]})
    assert response.status_code == 302
    with clinic_context(clinic):
        statuses = sorted(Appointment.objects.values_list("status", flat=True))
        moved = Appointment.objects.get(rescheduled_from=second)
    assert statuses == ["booked", "cancelled", "cancelled"] and response["Location"].endswith(f"/{moved.pk}/")


def test_the_waitlist_page_adds_and_lists_entries(world, clinic):
    client = logged_in(world.users[Role.REGISTRAR])
    response = client.post("/schedule/waitlist/", {
        "patient": world.patients[1].pk, "visit_type": world.follow_up.pk, "specialty": "0724",
        "earliest": next_weekday(0).isoformat(), "latest": next_weekday(4).isoformat()})
    assert response.status_code == 302
    with clinic_context(clinic):
        entry = WaitlistEntry.objects.get()
        surname = world.patients[1].last_name
    assert surname in client.get("/schedule/waitlist/").content.decode()
    assert client.post(f"/schedule/waitlist/{entry.pk}/withdraw/").status_code == 302
    bad = client.post("/schedule/waitlist/", {"visit_type": world.follow_up.pk, "earliest": "2030-01-02",
                                               "latest": "2030-01-01"})
    assert bad.status_code == 400


def test_the_admin_sets_up_rooms_visit_types_hours_and_leave(world, clinic):
    client = logged_in(world.users[Role.CLINIC_ADMIN], language="en")
    assert client.get("/schedule/setup/").status_code == 200
    assert client.post("/schedule/setup/", {"form": "room", "name": "Gabinet 7"}).status_code == 302
    assert client.post("/schedule/setup/", {"form": "room", "name": "Gabinet 7"}).status_code == 400
    assert client.post("/schedule/setup/", {"form": "visit_type", "name": "USG ciąży",
                                            "duration_minutes": 20}).status_code == 302
    assert client.post("/schedule/setup/", {"form": "settings", "reminder_days_ahead": 9,
                                            "planning_horizon_days": 30}).status_code == 400
    hours = client.post(f"/schedule/setup/practitioners/{world.nurse.pk}/", {
        "form": "hours", "weekday": 2, "start_time": "09:00", "end_time": "08:00", "slot_minutes": 15,
        "visit_types": [world.follow_up.pk], "valid_from": "2030-01-01"})
    assert hours.status_code == 400 and "end after they start" in hours.content.decode()
    assert client.post(f"/schedule/setup/practitioners/{world.nurse.pk}/", {
        "form": "hours", "weekday": 2, "start_time": "09:00", "end_time": "13:00", "slot_minutes": 15,
        "visit_types": [world.follow_up.pk], "valid_from": "2030-01-01"}).status_code == 302
    leave = client.post(f"/schedule/setup/practitioners/{world.nurse.pk}/", {
        "form": "exception", "kind": "unavailable", "starts_at": "2030-01-02T09:00", "ends_at": "2030-01-02T11:00"})
    assert leave.status_code == 302
    with clinic_context(clinic):
        assert Room.objects.filter(name="Gabinet 7").count() == 1
        assert world.nurse.availability.count() == 1 and world.nurse.exceptions.count() == 1
    assert logged_in(world.users[Role.REGISTRAR]).get("/schedule/setup/").status_code == 403


def test_names_with_diacritics_apostrophes_and_markup_are_escaped(world, clinic):
    with clinic_context(clinic):
        patient = world.patients[0]
        patient.first_name, patient.last_name = "Żaneta-Łucja", "O'Hara <script>alert(1)</script>"
        patient.save()
        appointment = book_next(world)
    for url in (f"/schedule/appointments/{appointment.pk}/", "/schedule/waitlist/",
                f"/schedule/patients/{patient.pk}/appointments/",
                f"/schedule/practitioners/{world.gyn.pk}/?date={timezone.localtime(appointment.starts_at).date()}"):
        body = logged_in(world.users[Role.REGISTRAR]).get(url).content.decode()
        assert "<script>alert(1)" not in body
    detail = logged_in(world.users[Role.REGISTRAR]).get(f"/schedule/appointments/{appointment.pk}/").content.decode()
    assert "O&#x27;Hara &lt;script&gt;alert(1)&lt;/script&gt; Żaneta-Łucja" in detail
