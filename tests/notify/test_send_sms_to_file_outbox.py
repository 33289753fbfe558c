import pytest

from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_sms
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_an_sms_lands_in_the_outbox_and_is_recorded_as_sent(clinic, outbox):
    message = send_sms(clinic, None, "test", "+48 600 100 234", "Przychodnia: wizyta jutro")
    (line,) = read_outbox(outbox)
    assert line["to"] == "48600100234" and line["text"] == "Przychodnia: wizyta jutro"
    assert line["id"] == message.gateway_message_id
    with clinic_context(clinic):
        stored = OutboundMessage.objects.get(pk=message.pk)
    assert stored.status == OutboundMessage.Status.SENT and stored.sent_at is not None and stored.error == ""
    assert stored.recipient == "48600100234" and stored.body == "Przychodnia: wizyta jutro"
    assert stored.gateway == "file" and stored.channel == "sms" and stored.purpose == "test"


def test_the_outbox_file_is_readable_by_its_owner_only(clinic, outbox):
    send_sms(clinic, None, "test", "600100234", "x")
    assert outbox.stat().st_mode & 0o777 == 0o600
