import pytest

from klinika.notify.gateways.file import read_outbox
from klinika.scheduling.models import Reminder
from klinika.scheduling.services.reminders import hash_token, send_due_reminders
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book, use_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


def test_a_patient_who_prefers_email_and_agreed_gets_an_email(make_clinic, people, outbox, mailoutbox):
    clinic = make_clinic("Przychodnia Demo")
    with clinic_context(clinic):
        patient = add_patient(people, preferred_channel="email", consent_email=True, consent_sms=True,
                              email="jan.kowalski@example.org")
        appointment = book(patient, add_practitioner(clinic, people), 2, hour=8, minute=5)
        assert send_due_reminders().sent == 1
        reminder = Reminder.objects.get()
    (mail,) = mailoutbox
    assert mail.to == ["jan.kowalski@example.org"] and read_outbox(outbox) == []
    assert reminder.channel == "email" and reminder.status == Reminder.Status.SENT
    assert mail.subject == "Przypomnienie o wizycie: Przychodnia Demo"
    assert appointment.starts_at.strftime("%d.%m") in mail.body and "08:05" in mail.body
    token = mail.body.split("/r/", 1)[1].split("/", 1)[0]
    assert hash_token(token) == reminder.token_hash
