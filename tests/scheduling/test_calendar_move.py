"""Moving a visit from the grid (dragged, or "move" then "move here") goes through services.reschedule:
the same checks as the API; a refused move says why, in Polish, and changes nothing."""
import re

import pytest

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.scheduling.models import Appointment
from klinika.tenancy.context import clinic_context
from klinika.testdata.synthetic import SyntheticPeople
from tests.scheduling.booking import book_next, free_slot
from tests.scheduling.clients import logged_in
from tests.scheduling.world import build, next_weekday

pytestmark = pytest.mark.django_db


def _state(clinic):
    with clinic_context(clinic):
        return sorted(Appointment.objects.values_list("pk", "status", "starts_at"))


def test_a_visit_moves_onto_a_free_slot_of_the_grid(world, clinic):
    monday = next_weekday(0)
    with clinic_context(clinic):
        visit = book_next(world, index=0)
        target = free_slot(world, index=6)
    client = logged_in(world.users[Role.REGISTRAR])
    page = client.get(f"/schedule/day/?date={monday}&specialty=0724&move={visit.pk}").content.decode()
    assert "move here" in page or "przenieś tutaj" in page.lower()
    moves = re.findall(r'action="/schedule/appointments/(\d+)/move/"', page)
    assert moves and set(moves) == {str(visit.pk)}
    back = f"/schedule/day/?date={monday}&specialty=0724&move={visit.pk}"
    response = client.post(f"/schedule/appointments/{visit.pk}/move/", {
        "practitioner": world.gyn.pk, "starts_at": target.local_start.isoformat(), "next": back})
    assert response.status_code == 302 and response["Location"] == f"/schedule/day/?date={monday}&specialty=0724"
    with clinic_context(clinic):
        moved = Appointment.objects.get(rescheduled_from=visit)
        visit.refresh_from_db()
        assert AuditEvent.objects.filter(object_type="appointment", object_id=str(visit.pk), action="update").exists()
    assert visit.status == "cancelled" and moved.starts_at == target.starts_at and moved.reason == "kontrola"


def test_a_refused_move_says_why_in_polish_and_changes_nothing(world, clinic):
    monday = next_weekday(0)
    with clinic_context(clinic):
        visit = book_next(world, index=0)
        other = book_next(world, patient=1, index=4)  # 9:00
    before = _state(clinic)
    client = logged_in(world.users[Role.REGISTRAR])
    back = f"/schedule/day/?date={monday}"
    cases = [
        (other.starts_at.isoformat(), "zajął ten termin"),
        (f"{monday}T13:00", "nie przyjmuje"),
        ("jutro rano", "Podaj początek"),
    ]
    for starts_at, words in cases:
        response = client.post(f"/schedule/appointments/{visit.pk}/move/",
                               {"practitioner": world.gyn.pk, "starts_at": starts_at, "next": back}, follow=True)
        assert response.status_code == 200 and response.redirect_chain[-1][0] == back
        messages = [str(m) for m in response.context["messages"]]
        assert len(messages) == 1 and words in messages[0], messages
        assert _state(clinic) == before
    # a doctor may not move visits (schedule.book), whatever the page offers
    refused = logged_in(world.users[Role.DOCTOR]).post(f"/schedule/appointments/{visit.pk}/move/", {
        "practitioner": world.gyn.pk, "starts_at": f"{monday}T10:00"})
    assert refused.status_code == 403 and _state(clinic) == before
    # an address outside the schedule pages is never followed back to
    outside = client.post(f"/schedule/appointments/{visit.pk}/move/", {
        "practitioner": world.gyn.pk, "starts_at": "x", "next": "https://evil.example/schedule/"})
    assert outside["Location"] == f"/schedule/appointments/{visit.pk}/"


def test_the_doctor_sees_no_drag_or_move_and_another_clinics_visit_is_404(world, clinic, make_clinic):
    monday = next_weekday(0)
    with clinic_context(clinic):
        visit = book_next(world, index=0)
    doctor_page = logged_in(world.users[Role.DOCTOR]).get(f"/schedule/day/?date={monday}").content.decode()
    assert 'draggable="true"' not in doctor_page and "move-form" not in doctor_page
    assert 'class="gap" href' not in doctor_page
    registrar_page = logged_in(world.users[Role.REGISTRAR]).get(f"/schedule/day/?date={monday}").content.decode()
    assert f'draggable="true" data-move-appointment="{visit.pk}"' in registrar_page
    assert 'id="move-form"' in registrar_page
    stranger = build(make_clinic("Inna Przychodnia"), SyntheticPeople(seed=5), patients=0).users[Role.REGISTRAR]
    before = _state(clinic)
    assert logged_in(stranger).get(f"/schedule/day/?date={monday}&move={visit.pk}").status_code == 404
    assert logged_in(stranger).post(f"/schedule/appointments/{visit.pk}/move/", {
        "practitioner": world.gyn.pk, "starts_at": f"{monday}T10:00"}).status_code == 404
    assert _state(clinic) == before
