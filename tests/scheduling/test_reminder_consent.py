import pytest

from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.scheduling.models import Reminder
from klinika.scheduling.services.reminders import send_due_reminders
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book, use_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


@pytest.mark.parametrize("patient_fields", [
    {"preferred_channel": "sms", "consent_sms": False},
    {"preferred_channel": "sms", "consent_sms": True, "phone": ""},
    {"preferred_channel": "sms", "consent_sms": True, "phone": "not a phone"},
    {"preferred_channel": "none", "consent_sms": True, "consent_email": True},
    {"preferred_channel": "email", "consent_email": False, "consent_sms": True},
    {"preferred_channel": "email", "consent_email": True, "email": ""},
], ids=["no-sms-consent", "no-phone", "bad-phone", "wants-none", "no-email-consent", "no-email"])
def test_without_consent_or_contact_the_reminder_is_skipped_and_nothing_is_sent(clinic, people, outbox,
                                                                                mailoutbox, patient_fields):
    with clinic_context(clinic):
        book(add_patient(people, **patient_fields), add_practitioner(clinic, people), 2)
        run = send_due_reminders()
        reminder = Reminder.objects.get()
        assert not OutboundMessage.objects.exists()
    assert (run.sent, run.skipped) == (0, 1)
    assert reminder.status == Reminder.Status.SKIPPED and reminder.sent_at is None
    assert read_outbox(outbox) == [] and mailoutbox == []


def test_consent_to_the_other_channel_is_not_used_instead(clinic, people, outbox, mailoutbox):
    with clinic_context(clinic):
        patient = add_patient(people, preferred_channel="sms", consent_sms=False, consent_email=True)
        book(patient, add_practitioner(clinic, people), 2)
        send_due_reminders()
    assert read_outbox(outbox) == [] and mailoutbox == []
