import pytest

from klinika.audit.models import AuditEvent
from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_email, send_sms
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_a_refusing_gateway_leaves_the_message_failed_with_the_reason_without_the_number(clinic, settings, caplog):
    settings.KLINIKA_SMS_BACKEND = "tests.notify.gateways.RefusingGateway"
    message = send_sms(clinic, None, "test", "+48 600 100 234", "x")
    assert message.status == OutboundMessage.Status.FAILED and message.sent_at is None
    assert message.error == "number *** is on the blacklist"
    with clinic_context(clinic):
        event = AuditEvent.objects.get(object_type="message", object_id=str(message.pk))
    assert event.outcome == "failure" and "blacklist" in event.reason and "600100234" not in event.reason


def test_an_unexpected_exception_fails_the_message_and_logs_no_number(clinic, settings, caplog):
    settings.KLINIKA_SMS_BACKEND = "tests.notify.gateways.CrashingGateway"
    message = send_sms(clinic, None, "test", "600100234", "x")
    assert message.status == OutboundMessage.Status.FAILED and message.error == "gateway failed (RuntimeError)"
    assert "RuntimeError" in caplog.text and "600100234" not in caplog.text


def test_a_mail_server_that_cannot_be_reached_fails_the_message(clinic, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.EMAIL_USE_TLS = False
    settings.KLINIKA_TEST_RECIPIENTS = ["anna@example.org"]  # a real backend outside production: testers only
    message = send_email(clinic, None, "test", "anna@example.org", "x")
    assert message.status == OutboundMessage.Status.FAILED
    assert message.error.startswith("mail server unreachable or refused") and "anna" not in message.error
