import pytest

from klinika.audit.models import AuditEvent
from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.scheduling.models import Reminder
from klinika.scheduling.services.reminders import hash_token, send_due_reminders
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book, set_days_ahead, use_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


def test_a_consented_patient_with_a_phone_gets_an_sms_two_days_ahead_by_default(clinic, people, outbox):
    with clinic_context(clinic):
        doctor = add_practitioner(clinic, people)
        patient = add_patient(people, phone="+48 601 222 333")
        due = book(patient, doctor, 2)
        book(add_patient(people), doctor, 3)  # too early to remind
        run = send_due_reminders()
        reminder = Reminder.objects.get()
        message = OutboundMessage.objects.get()
    assert (run.sent, run.skipped, run.failed) == (1, 0, 0)
    (sms,) = read_outbox(outbox)
    assert sms["to"] == "48601222333"
    assert reminder.appointment_id == due.pk and reminder.status == Reminder.Status.SENT
    assert reminder.channel == "sms" and reminder.sent_at is not None
    assert message.reference == f"reminder:{reminder.pk}" and message.subject_ref == patient.subject_ref
    token = sms["text"].rsplit("/r/", 1)[1].strip("/")
    assert hash_token(token) == reminder.token_hash and token not in reminder.token_hash


def test_each_clinic_uses_its_own_days_ahead(make_clinic, people, outbox):
    early, default = make_clinic(), make_clinic()
    with clinic_context(early):
        set_days_ahead(4)
        doctor = add_practitioner(early, people)
        for days in (4, 5):
            book(add_patient(people), doctor, days)
        assert send_due_reminders().sent == 1
    with clinic_context(default):
        doctor = add_practitioner(default, people)
        book(add_patient(people), doctor, 4)
        assert send_due_reminders().sent == 0
    assert len(read_outbox(outbox)) == 1


def test_a_missed_day_and_a_short_notice_booking_are_still_reminded_but_not_today(clinic, people, outbox):
    with clinic_context(clinic):
        doctor = add_practitioner(clinic, people)
        tomorrow = book(add_patient(people), doctor, 1)
        book(add_patient(people), doctor, 0, hour=23, minute=30)
        send_due_reminders()
        assert list(Reminder.objects.values_list("appointment_id", flat=True)) == [tomorrow.pk]


def test_a_second_run_sends_nothing_again(clinic, people, outbox):
    with clinic_context(clinic):
        book(add_patient(people), add_practitioner(clinic, people), 2)
        assert send_due_reminders().sent == 1
        assert send_due_reminders().sent == 0
    assert len(read_outbox(outbox)) == 1


def test_cancelled_appointments_get_no_reminder(clinic, people, outbox):
    with clinic_context(clinic):
        appointment = book(add_patient(people), add_practitioner(clinic, people), 2)
        appointment.status = "cancelled"
        appointment.save()
        assert send_due_reminders().sent == 0
    assert read_outbox(outbox) == []


def test_every_send_is_audited_by_the_reminder_job(clinic, people, outbox):
    with clinic_context(clinic):
        doctor = add_practitioner(clinic, people)
        patients = [add_patient(people) for _ in range(3)]
        for hour, patient in enumerate(patients, start=9):
            book(patient, doctor, 2, hour=hour)
        send_due_reminders()
        exports = list(AuditEvent.objects.filter(action="export", object_type="message"))
        created = list(AuditEvent.objects.filter(action="create", object_type="reminder"))
    assert sorted(e.subject_ref for e in exports) == sorted(p.subject_ref for p in patients)
    assert {e.actor_role for e in exports + created} == {"system:reminders"}
    assert len(created) == 3 and all(e.outcome == "success" for e in exports)
