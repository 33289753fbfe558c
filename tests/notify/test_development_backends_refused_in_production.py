"""With KLINIKA_ENV=production the file and console backends write nothing, even when chosen explicitly."""
import pytest

from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_email, send_sms

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings, tmp_path):
    settings.KLINIKA_ENV = "production"
    settings.KLINIKA_OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox" / "email"
    return tmp_path


@pytest.mark.parametrize("backend", ["file", "console"])
def test_an_sms_backend_that_keeps_texts_in_clear_is_refused(clinic, settings, production, backend, capsys):
    settings.KLINIKA_SMS_BACKEND = backend
    message = send_sms(clinic, None, "test", "600100234", "Przypomnienie")
    assert message.status == OutboundMessage.Status.FAILED and message.sent_at is None
    assert message.error.startswith(f"not configured: KLINIKA_SMS_BACKEND={backend} keeps messages in clear")
    assert list(production.rglob("*")) == []
    assert "Przypomnienie" not in capsys.readouterr().out


@pytest.mark.parametrize("backend", ["file", "console"])
def test_an_email_backend_that_keeps_texts_in_clear_is_refused(clinic, settings, production, backend, capsys):
    settings.EMAIL_BACKEND = f"klinika.notify.mail.{backend.title()}EmailBackend"
    message = send_email(clinic, None, "test", "anna@example.org", "Kod dostępu")
    assert message.status == OutboundMessage.Status.FAILED
    assert message.error.startswith(f"not configured: KLINIKA_EMAIL_BACKEND={backend} keeps messages in clear")
    assert list(production.rglob("*")) == []  # not even the outbox directory
    assert "anna@example.org" not in capsys.readouterr().out


def test_outside_production_the_file_backend_is_allowed(clinic, settings, tmp_path):
    settings.KLINIKA_ENV = "dev"
    settings.KLINIKA_SMS_BACKEND, settings.KLINIKA_OUTBOX_DIR = "file", tmp_path / "outbox"
    assert send_sms(clinic, None, "test", "600100234", "x").status == OutboundMessage.Status.SENT
    assert (tmp_path / "outbox" / "sms.jsonl").exists()
