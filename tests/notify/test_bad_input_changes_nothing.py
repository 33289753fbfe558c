import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from klinika.audit.models import AuditEvent
from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_email, send_sms
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("to, purpose, text, says", [
    ("not a number", "test", "x", "phone number"),
    ("600100234", "Reminder about gynecology", "x", "purpose"),
    ("600100234", "", "x", "purpose"),
    ("600100234", "test", "   ", "empty"),
    ("600100234", "test", "x" * 919, "too long"),
])
def test_a_bad_sms_is_refused_with_a_message_and_nothing_is_stored_or_sent(clinic, outbox, english, to, purpose, text,
                                                                           says):
    with clinic_context(clinic):
        events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        send_sms(clinic, None, purpose, to, text)
    assert says in " ".join(refused.value.messages)
    with clinic_context(clinic):
        assert not OutboundMessage.objects.exists()
        assert AuditEvent.objects.count() == events_before
    assert read_outbox(outbox) == []


@pytest.mark.parametrize("to", ["", "anna", "anna@", "a b@example.org", "<script>@x"])
def test_a_bad_address_is_refused(clinic, outbox, mailoutbox, english, to):
    with pytest.raises(ValidationError, match="e-mail address"):
        send_email(clinic, None, "test", to, "x")
    with clinic_context(clinic):
        assert not OutboundMessage.objects.exists()
    assert mailoutbox == []


def test_the_messages_are_translated(clinic, outbox):
    with translation.override("pl"), pytest.raises(ValidationError) as refused:
        send_sms(clinic, None, "test", "600100234", "")
    assert refused.value.messages == ["Wiadomość jest pusta."]
