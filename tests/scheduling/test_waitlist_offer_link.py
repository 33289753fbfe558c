"""The link in a waitlist offer: no login; shows clinic, date and time only; books the slot through the booking
service while the offer is open, says clearly when someone else took it first, and refuses once it has expired."""
import datetime

import pytest
from django.test import Client
from django.utils import timezone

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.notify.gateways.file import read_outbox
from klinika.scheduling import services
from klinika.scheduling.models import Appointment, AppointmentStatus, WaitlistEntry, WaitlistOffer
from klinika.scheduling.services import waitlist
from klinika.staff.models import Specialty
from tests.notify.booking import use_outbox
from tests.scheduling.waitlist_offers import VISIT_REASON, cancel, link_path, visit_to_cancel, waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


@pytest.fixture
def offered(world, people, in_clinic, outbox, django_capture_on_commit_callbacks):
    """Next Monday's follow-up is cancelled; the first patient waiting gets an SMS with a link."""
    freed = visit_to_cancel(world)
    entry = waiting(world, people, first_name="Zażółć", last_name="Gęślą-Jaźń")
    cancel(world, freed, django_capture_on_commit_callbacks)
    (sms,) = read_outbox(outbox)
    return {"freed": freed, "entry": entry, "patient": entry.patient, "path": link_path(sms["text"]),
            "capture": django_capture_on_commit_callbacks}


def _post(path, action):
    """As a browser posts the page's form: with the CSRF cookie and token the page gave it."""
    client = Client(enforce_csrf_checks=True)
    client.get(path)
    return client.post(path, {"action": action, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _patients_appointments(offered):
    """The patient's visits: not cancelled, and not the slot merely held for the offer."""
    return list(Appointment.objects.filter(patient=offered["patient"]).exclude(
        status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.HELD]))


def _as_an_offer_without_a_hold(offered):
    """Offers made before offers held their slot: the time is free for anyone until the patient answers."""
    entry = WaitlistEntry.objects.get(pk=offered["entry"].pk)
    Appointment.objects.filter(pk=entry.appointment_id).update(status=AppointmentStatus.CANCELLED)
    WaitlistEntry.objects.filter(pk=entry.pk).update(appointment=None)


def _link_events(offered):
    return list(AuditEvent.objects.filter(actor_role="patient-link", subject_ref=offered["patient"].subject_ref)
                .order_by("seq").values_list("action", "object_type", "reason"))


def test_the_page_shows_clinic_date_time_and_deadline_and_nothing_about_the_person_or_the_visit(world, offered):
    response = Client().get(offered["path"])
    assert response.status_code == 200
    html = response.content.decode()
    starts = timezone.localtime(offered["freed"].starts_at)
    assert world.clinic.name in html and starts.strftime("%H:%M") in html and str(starts.year) in html
    assert "Zarezerwuj ten termin" in html and "Odrzuć" in html and "Odpowiedz do" in html
    staff = world.gyn.staff
    names = ["Zażółć", "Gęślą", staff.first_name, staff.last_name, VISIT_REASON, "ciąża", world.follow_up.name,
             "ginekolog", *Specialty.objects.filter(code="0724").values_list("name", flat=True)]
    assert not [n for n in names if n in html]
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    assert _link_events(offered) == [("read", "waitlist-offer", "offer link opened")]


def test_accepting_through_the_link_books_the_slot(world, offered):
    response = _post(offered["path"], "accept")
    assert response.status_code == 302 and response["Location"] == offered["path"]
    (appointment,) = _patients_appointments(offered)
    assert appointment.starts_at == offered["freed"].starts_at and appointment.practitioner_id == world.gyn.pk
    assert appointment.status == AppointmentStatus.BOOKED and appointment.booked_by is None
    entry = WaitlistEntry.objects.get(pk=offered["entry"].pk)
    assert entry.status == WaitlistEntry.Status.BOOKED and entry.appointment_id == appointment.pk
    assert WaitlistOffer.objects.get(entry=entry).response == WaitlistOffer.Response.ACCEPTED
    page = Client().get(offered["path"]).content.decode()
    assert "Wizyta jest zarezerwowana" in page and 'name="action"' not in page
    events = _link_events(offered)
    assert ("update", "appointment", "booked from the waitlist offer that held it") in events
    assert ("update", "waitlist-entry", f"booked appointment {appointment.pk}") in events
    assert ("update", "waitlist-offer", "offer accepted through the link") in events
    # Answering twice books nothing more.
    assert _post(offered["path"], "accept").status_code == 410
    assert len(_patients_appointments(offered)) == 1


def test_accepting_after_someone_else_took_the_slot_says_so_and_keeps_the_patient_waiting(world, people, offered):
    other = waiting(world, people).patient
    _as_an_offer_without_a_hold(offered)
    services.book(world.users[Role.REGISTRAR], patient=other, practitioner=world.gyn, visit_type=world.follow_up,
                  starts_at=offered["freed"].starts_at)
    response = _post(offered["path"], "accept")
    assert response.status_code == 302
    assert _patients_appointments(offered) == []
    entry = WaitlistEntry.objects.get(pk=offered["entry"].pk)
    assert entry.status == WaitlistEntry.Status.WAITING and entry.offered_starts_at is None
    assert WaitlistOffer.objects.get(entry=entry).response == WaitlistOffer.Response.TAKEN
    page = Client().get(offered["path"]).content.decode()
    assert "ktoś inny zarezerwował ten termin" in page and "Pozostajesz na liście oczekujących" in page
    assert 'name="action"' not in page
    assert ("update", "waitlist-offer", "offer accepted through the link, but the time was taken") \
        in _link_events(offered)
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(offered["path"]).content.decode()
    assert "someone else booked this time before you answered" in english


def test_an_expired_offer_is_refused_and_books_nothing(offered):
    past = timezone.now() - datetime.timedelta(minutes=1)
    WaitlistEntry.objects.filter(pk=offered["entry"].pk).update(offer_expires_at=past)
    WaitlistOffer.objects.filter(entry=offered["entry"]).update(expires_at=past)
    page = Client().get(offered["path"])
    assert page.status_code == 200 and "Link wygasł" in page.content.decode()
    assert 'name="action"' not in page.content.decode()
    response = _post(offered["path"], "accept")
    assert response.status_code == 410 and "Link wygasł" in response.content.decode()
    assert _patients_appointments(offered) == []
    assert WaitlistOffer.objects.get(entry=offered["entry"]).response == ""


def test_declining_through_the_link_keeps_the_patient_waiting_and_tells_the_next_in_line(world, people, offered,
                                                                                        outbox):
    second = waiting(world, people)
    with offered["capture"](execute=True):
        response = _post(offered["path"], "decline")
    assert response.status_code == 302
    assert WaitlistEntry.objects.get(pk=offered["entry"].pk).status == WaitlistEntry.Status.WAITING
    assert WaitlistEntry.objects.get(pk=second.pk).status == WaitlistEntry.Status.OFFERED
    first_sms, second_sms = read_outbox(outbox)
    assert link_path(second_sms["text"]) != offered["path"]
    page = Client().get(offered["path"]).content.decode()
    assert "Termin został odrzucony" in page and 'name="action"' not in page
    assert _post(offered["path"], "accept").status_code == 410
    assert _patients_appointments(offered) == []
    assert ("update", "waitlist-offer", "offer declined through the link") in _link_events(offered)


def test_the_database_guard_catches_a_booking_the_check_missed_and_the_patient_sees_the_same_message(
        world, offered, monkeypatch):
    """Two bookings racing past the slot check: the database's no-overlap guard refuses the second."""
    starts = offered["freed"].starts_at
    _as_an_offer_without_a_hold(offered)
    Appointment(patient=world.patients[1], practitioner=world.gyn, visit_type=world.follow_up, starts_at=starts,
                ends_at=starts + datetime.timedelta(minutes=15)).save()
    check = services.offered_slot
    monkeypatch.setattr(services, "offered_slot", lambda **kwargs: check(**kwargs | {"include_taken": True}))
    assert _post(offered["path"], "accept").status_code == 302
    assert _patients_appointments(offered) == []
    assert WaitlistEntry.objects.get(pk=offered["entry"].pk).status == WaitlistEntry.Status.WAITING
    assert "ktoś inny zarezerwował ten termin" in Client().get(offered["path"]).content.decode()


def test_an_older_offers_link_cannot_answer_a_newer_offer(world, offered, outbox):
    waitlist.decline_offer(world.users[Role.REGISTRAR], offered["entry"].pk)  # on the phone, at the desk
    an_hour_later = offered["freed"].starts_at + datetime.timedelta(hours=1)
    later = services.book(world.users[Role.REGISTRAR], patient=world.patients[1], practitioner=world.gyn,
                          visit_type=world.follow_up, starts_at=an_hour_later)
    with offered["capture"](execute=True):
        services.cancel_appointment(world.users[Role.REGISTRAR], later.pk, "zmiana planów")
    entry = WaitlistEntry.objects.get(pk=offered["entry"].pk)
    assert entry.status == WaitlistEntry.Status.OFFERED and entry.offered_starts_at == later.starts_at
    old_sms, new_sms = read_outbox(outbox)
    assert _post(offered["path"], "accept").status_code == 410
    assert _patients_appointments(offered) == []
    assert _post(link_path(new_sms["text"]), "accept").status_code == 302
    (booked,) = _patients_appointments(offered)
    assert booked.starts_at == later.starts_at


def test_a_post_without_the_csrf_token_or_with_an_unknown_answer_changes_nothing(offered):
    assert Client(enforce_csrf_checks=True).post(offered["path"], {"action": "accept"}).status_code == 403
    response = _post(offered["path"], "reschedule")
    assert response.status_code == 400 and "Wybierz" in response.content.decode()
    assert _patients_appointments(offered) == []
    assert WaitlistEntry.objects.get(pk=offered["entry"].pk).status == WaitlistEntry.Status.OFFERED
