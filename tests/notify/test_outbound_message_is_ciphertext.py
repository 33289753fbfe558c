"""What a copy of the database would show of a sent message: ciphertext, ids and statuses."""
import pytest
from django.db import connection

from klinika.notify.services import send_email, send_sms

pytestmark = pytest.mark.django_db


def _raw_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notify_outboundmessage")
        rows = cursor.fetchall()
    return [b" | ".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row)
            for row in rows]


def test_recipient_and_text_are_not_in_the_table(clinic, outbox, people):
    with_phone = send_sms(clinic, None, "test", "+48 600 100 234", "Zażółć gęślą jaźń: wizyta 03.12 o 10:30")
    with_mail = send_email(clinic, None, "test", "anna.nowak@example.org", "Tekst wiadomości e-mail",
                           subject="Temat przypomnienia")
    rows = _raw_rows()
    assert len(rows) == 2
    for row in rows:
        for secret in [b"600100234", b"600 100 234", "Zażółć".encode(), b"wizyta", b"anna.nowak", b"example.org",
                       "Tekst wiadomości".encode(), b"Temat"]:
            assert secret not in row
    assert with_phone.recipient == "48600100234" and with_mail.recipient == "anna.nowak@example.org"
