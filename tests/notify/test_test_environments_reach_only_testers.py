"""Outside production a real gateway texts and mails only the testers (KLINIKA_TEST_RECIPIENTS):
the people of a test environment are generated or anonymized, but their numbers may be somebody's."""
import pytest

from klinika.notify.gateways.base import SmsGateway
from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_email, send_sms

pytestmark = pytest.mark.django_db

HANDED_OVER: list = []


class ProviderGateway(SmsGateway):
    """Stands for SMSAPI (a provider that reaches real phones), recording what it was handed."""

    name = "provider"

    def send(self, to, text):
        HANDED_OVER.append(to)
        return f"id-{len(HANDED_OVER)}"


@pytest.fixture
def provider(settings):
    HANDED_OVER.clear()
    settings.KLINIKA_SMS_BACKEND = f"{__name__}.ProviderGateway"
    settings.KLINIKA_TEST_RECIPIENTS = ["+48 600 100 200", "tester@example.org"]
    return settings


@pytest.mark.parametrize("env", ["staging", "test", "dev"])
def test_a_generated_patients_number_is_not_texted(provider, clinic, env):
    provider.KLINIKA_ENV = env
    message = send_sms(clinic, None, "test", "601 234 567", "Przypomnienie o wizycie")
    assert message.status == OutboundMessage.Status.FAILED
    assert "KLINIKA_TEST_RECIPIENTS" in message.error and "601" not in message.error
    assert HANDED_OVER == []


def test_a_testers_number_is_texted_whatever_its_spelling(provider, clinic):
    provider.KLINIKA_ENV = "staging"
    message = send_sms(clinic, None, "test", "600-100-200", "Przypomnienie o wizycie")
    assert message.status == OutboundMessage.Status.SENT
    assert HANDED_OVER == ["48600100200"]


def test_production_texts_everyone(provider, clinic):
    provider.KLINIKA_ENV = "production"
    message = send_sms(clinic, None, "test", "601 234 567", "Przypomnienie o wizycie")
    assert message.status == OutboundMessage.Status.SENT and HANDED_OVER == ["48601234567"]


def test_smtp_outside_production_mails_only_testers(settings, clinic):
    settings.KLINIKA_ENV = "staging"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, 2, False
    settings.KLINIKA_TEST_RECIPIENTS = ["Tester@example.org"]
    refused = send_email(clinic, None, "test", "anna.kowalska@example.org", "x")
    assert refused.status == OutboundMessage.Status.FAILED and "KLINIKA_TEST_RECIPIENTS" in refused.error
    # A tester's address goes on to the mail server (none listens on port 9 here: a delivery failure).
    tried = send_email(clinic, None, "test", "tester@example.org", "x")
    assert tried.error.startswith("mail server unreachable or refused")


def test_development_gateways_write_to_the_outbox_for_anyone(settings, clinic, tmp_path):
    settings.KLINIKA_ENV = "dev"
    settings.KLINIKA_SMS_BACKEND = "file"
    settings.KLINIKA_OUTBOX_DIR = tmp_path
    message = send_sms(clinic, None, "test", "601 234 567", "x")
    assert message.status == OutboundMessage.Status.SENT
