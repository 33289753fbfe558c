from email.header import decode_header, make_header

import pytest

from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_email

pytestmark = pytest.mark.django_db


def test_an_email_goes_out_from_the_clinic_and_is_recorded(make_clinic, outbox, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "przypomnienia@klinika.example"
    clinic = make_clinic("Przychodnia „Zdrowie” O'Brien-Łęcka")
    message = send_email(clinic, None, "test", "anna@example.org", "Treść", subject="Temat\nBcc: x@evil.example")
    (sent,) = mailoutbox
    assert sent.to == ["anna@example.org"] and sent.body == "Treść"
    assert sent.subject == "Temat Bcc: x@evil.example"  # one line: no forged header
    assert sent.from_email.endswith("<przypomnienia@klinika.example>")
    assert str(make_header(decode_header(sent.from_email))).startswith("Przychodnia „Zdrowie” O'Brien-Łęcka")
    assert sent.extra_headers["Message-ID"] == message.gateway_message_id
    assert message.status == OutboundMessage.Status.SENT and message.channel == "email"
    assert message.body == "Temat Bcc: x@evil.example\n\nTreść"


def test_the_file_backend_writes_into_the_outbox(clinic, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "email"
    message = send_email(clinic, None, "test", "anna@example.org", "Treść wiadomości")
    assert message.status == OutboundMessage.Status.SENT
    (written,) = (tmp_path / "email").iterdir()
    assert "anna@example.org" in written.read_text()
