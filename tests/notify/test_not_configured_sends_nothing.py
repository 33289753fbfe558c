"""No gateway configured (the default outside demo and tests): every message fails honestly, nothing is written."""
import pytest

from klinika.audit.models import AuditEvent
from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_email, send_sms
from klinika.scheduling.models import Reminder
from klinika.scheduling.services.reminders import send_due_reminders
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def not_configured(settings, tmp_path):
    """What settings.py chooses when KLINIKA_SMS_BACKEND / KLINIKA_EMAIL_BACKEND are unset."""
    settings.KLINIKA_SMS_BACKEND = "none"
    settings.EMAIL_BACKEND = "klinika.notify.mail.NotConfiguredEmailBackend"
    settings.KLINIKA_OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox" / "email"
    return tmp_path


def _written(directory) -> list:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def test_an_sms_is_recorded_as_failed_not_configured(clinic, not_configured):
    message = send_sms(clinic, None, "test", "600100234", "Przypomnienie")
    assert message.status == OutboundMessage.Status.FAILED and message.sent_at is None
    assert message.gateway == "none" and message.error.startswith("not configured: no SMS gateway")
    assert "KLINIKA_SMS_BACKEND" in message.error
    with clinic_context(clinic):
        event = AuditEvent.objects.get(object_type="message", object_id=str(message.pk))
    assert event.outcome == "failure" and "not configured" in event.reason
    assert _written(not_configured) == []


def test_an_email_is_recorded_as_failed_not_configured(clinic, not_configured):
    message = send_email(clinic, None, "test", "anna@example.org", "Kod dostępu", subject="Recepta")
    assert message.status == OutboundMessage.Status.FAILED and message.sent_at is None
    assert message.error.startswith("not configured: no e-mail server") and "KLINIKA_EMAIL_BACKEND" in message.error
    assert _written(not_configured) == []


def test_a_reminder_is_failed_not_sent(clinic, people, not_configured):
    with clinic_context(clinic):
        book(add_patient(people), add_practitioner(clinic, people), 2)
        run = send_due_reminders()
        reminder = Reminder.objects.get()
        message = OutboundMessage.objects.get()
    assert (run.sent, run.failed) == (0, 1)
    assert reminder.status == Reminder.Status.FAILED and reminder.sent_at is None
    assert message.status == OutboundMessage.Status.FAILED and message.error.startswith("not configured")
    assert _written(not_configured) == []
