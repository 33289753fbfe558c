"""The link in a reminder: no login, shows clinic, date and time only, confirms or cancels."""
import secrets

import pytest
from django.test import Client
from django.utils import timezone

from klinika.audit.models import AuditEvent
from klinika.notify.gateways.file import read_outbox
from klinika.scheduling.models import Appointment, Reminder
from klinika.scheduling.services.reminders import send_due_reminders, send_reminder
from klinika.staff.models import Specialty
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book, use_outbox

pytestmark = pytest.mark.django_db

CLINIC_NAME = "Przychodnia <script>alert(1)</script> O'Brien-Łęcka"


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


@pytest.fixture
def reminded(make_clinic, people, outbox):
    clinic = make_clinic(CLINIC_NAME)
    with clinic_context(clinic):
        doctor = add_practitioner(clinic, people, specialties=["0724", "0787"])
        patient = add_patient(people, first_name="Zażółć", last_name="O'Gęślą-Jaźń")
        appointment = book(patient, doctor, 2, hour=10, minute=30, reason="ciąża, kontrola")
        send_due_reminders()
    (sms,) = read_outbox(outbox)
    assert CLINIC_NAME in sms["text"]  # plain text: the name as written, not HTML-escaped
    path = "/r/" + sms["text"].rsplit("/r/", 1)[1]
    return {"clinic": clinic, "path": path, "appointment": appointment, "patient": patient, "doctor": doctor}


def _csrf_client(path):
    client = Client(enforce_csrf_checks=True)
    client.get(path)
    return client, client.cookies["csrftoken"].value


def _post(path, action):
    client, token = _csrf_client(path)
    return client.post(path, {"action": action, "csrfmiddlewaretoken": token})


def _state(reminded):
    with clinic_context(reminded["clinic"]):
        return (Appointment.objects.get(pk=reminded["appointment"].pk).status,
                Reminder.objects.get(appointment=reminded["appointment"]).response)


def _link_events(clinic):
    with clinic_context(clinic):
        return list(AuditEvent.objects.filter(actor_role="patient-link").order_by("seq")
                    .values_list("action", "object_type", "subject_ref", "reason"))


def test_the_page_shows_clinic_date_and_time_and_nothing_about_the_person_or_the_visit(reminded):
    response = Client().get(reminded["path"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Przychodnia &lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Brien-Łęcka" in html and "<script>" not in html
    assert "10:30" in html and "Potwierdź" in html and "Odwołaj wizytę" in html
    starts = timezone.localtime(reminded["appointment"].starts_at)
    assert f"{starts.day} " in html and str(starts.year) in html
    staff = reminded["doctor"].staff
    names = ["Zażółć", "Gęślą", staff.first_name, staff.last_name, "ciąża", "kontrola"]
    names += [s.name for s in Specialty.objects.filter(code__in=["0724", "0787"])] + ["ginekolog"]
    assert not [n for n in names if n in html]
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    events = _link_events(reminded["clinic"])
    assert events == [("read", "appointment", reminded["patient"].subject_ref, "reminder link opened")]


def test_confirm_records_the_answer_and_is_audited_as_the_patient(reminded):
    response = _post(reminded["path"], "confirm")
    assert response.status_code == 302 and response["Location"] == reminded["path"]
    assert _state(reminded) == ("booked", "confirmed")
    page = Client().get(reminded["path"]).content.decode()
    assert "Dziękujemy" in page and 'value="confirm"' not in page and 'value="cancel"' in page
    assert ("update", "reminder", reminded["patient"].subject_ref, "appointment confirmed through the link") \
        in _link_events(reminded["clinic"])


def test_cancel_cancels_the_appointment_and_frees_the_time(reminded, people):
    response = _post(reminded["path"], "cancel")
    assert response.status_code == 302
    assert _state(reminded) == ("cancelled", "cancelled")
    with clinic_context(reminded["clinic"]):
        cancelled = Appointment.objects.get(pk=reminded["appointment"].pk)
        assert cancelled.cancelled_at is not None and "link" in cancelled.cancel_reason
        # the same time can be booked for someone else now
        book(add_patient(people), reminded["doctor"], 2, hour=10, minute=30)
    page = Client().get(reminded["path"]).content.decode()
    assert "Wizyta została odwołana" in page and 'name="action"' not in page
    events = _link_events(reminded["clinic"])
    subject = reminded["patient"].subject_ref
    assert ("update", "appointment", subject, "cancelled by the patient (reply link)") in events
    assert ("update", "reminder", subject, "appointment cancelled through the link") in events


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(reminded):
    response = Client(enforce_csrf_checks=True).post(reminded["path"], {"action": "cancel"})
    assert response.status_code == 403
    assert _state(reminded) == ("booked", "")


def test_an_unknown_answer_is_a_clear_error(reminded):
    response = _post(reminded["path"], "reschedule")
    assert response.status_code == 400 and "Wybierz" in response.content.decode()
    assert _state(reminded) == ("booked", "")


def test_a_link_to_an_appointment_the_clinic_cancelled_has_expired(reminded):
    with clinic_context(reminded["clinic"]):
        appointment = Appointment.objects.get(pk=reminded["appointment"].pk)
        appointment.status = "cancelled"
        appointment.save()
    page = Client().get(reminded["path"])
    assert page.status_code == 200 and "Link wygasł" in page.content.decode()
    assert 'name="action"' not in page.content.decode()
    response = _post(reminded["path"], "confirm")
    assert response.status_code == 410 and "Link wygasł" in response.content.decode()
    assert _state(reminded) == ("cancelled", "")


def test_a_link_to_a_past_appointment_has_expired(clinic, people, outbox):
    with clinic_context(clinic):
        appointment = book(add_patient(people), add_practitioner(clinic, people), -1)
        send_reminder(appointment.pk)
    path = "/r/" + read_outbox(outbox)[0]["text"].rsplit("/r/", 1)[1]
    page = Client().get(path).content.decode()
    assert "Link wygasł" in page and "minął" in page
    assert _post(path, "cancel").status_code == 410
    with clinic_context(clinic):
        assert Appointment.objects.get(pk=appointment.pk).status == "booked"


@pytest.mark.parametrize("token", ["nope", secrets.token_urlsafe(32), "a" * 43, "<script>"])
def test_a_wrong_token_is_not_found(reminded, token):
    assert Client().get(f"/r/{token}/").status_code == 404
    assert Client().post(f"/r/{token}/", {"action": "cancel"}).status_code in (403, 404)
    assert _state(reminded) == ("booked", "")


def test_the_link_is_open_without_login_but_only_for_its_own_page(reminded):
    assert Client().get(reminded["path"]).status_code == 200
    assert Client().get(reminded["path"] + "extra/").status_code == 302  # anything else still needs a login


def test_a_link_in_another_language_works_too(reminded):
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(reminded["path"]).content.decode()
    assert "Your appointment" in html and "Confirm" in html and "Cancel the appointment" in html
