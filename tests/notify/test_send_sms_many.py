"""send_sms_many: a batch recorded, sent and audited like single messages; a bad number fails alone."""
import uuid

import pytest
from django.core.exceptions import ValidationError

from klinika.audit.models import AuditEvent
from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_sms_many
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_a_batch_goes_out_each_message_recorded_and_audited(clinic, outbox):
    people = [uuid.uuid4() for _ in range(3)]
    results = send_sms_many(clinic, "breach-notice", [
        (people[0], "600100201", "Tekst A", "breach-notice:1"),
        (people[1], "not a phone", "Tekst B", "breach-notice:2"),
        (people[2], "600100203", "Tekst C", "breach-notice:3")])
    assert isinstance(results[1], ValidationError)
    assert [r.status for r in (results[0], results[2])] == ["sent", "sent"]
    assert [line["to"] for line in read_outbox()] == ["48600100201", "48600100203"]
    with clinic_context(clinic):
        stored = {m.reference: m for m in OutboundMessage.objects.all()}
        events = list(AuditEvent.objects.filter(object_type="message").order_by("seq"))
    assert set(stored) == {"breach-notice:1", "breach-notice:3"}
    assert stored["breach-notice:1"].recipient == "48600100201" and stored["breach-notice:1"].gateway_message_id
    assert stored["breach-notice:3"].sent_at is not None
    assert [(e.object_id, e.subject_ref, e.outcome) for e in events] == [
        (str(results[0].pk), people[0], "success"), (str(results[2].pk), people[2], "success")]
    assert all("600100" not in e.reason and "Tekst" not in e.reason for e in events)
