import uuid

import pytest

from klinika.audit.models import AuditEvent
from klinika.notify.services import send_email, send_sms
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_every_send_writes_one_export_event_with_ids_only(clinic, outbox, mailoutbox):
    subject = uuid.uuid4()
    sms = send_sms(clinic, subject, "reminder", "600100234", "Tekst SMS")
    mail = send_email(clinic, subject, "reminder", "anna@example.org", "Tekst e-mail", subject="Temat")
    with clinic_context(clinic):
        events = list(AuditEvent.objects.filter(object_type="message").order_by("seq"))
    assert [(e.action, e.object_id, e.subject_ref, e.outcome) for e in events] == [
        ("export", str(sms.pk), subject, "success"), ("export", str(mail.pk), subject, "success")]
    assert events[0].reason == "sms reminder via file"
    assert events[1].reason == "email reminder via email:locmem"
    for event in events:
        for personal in ("600100234", "anna", "Tekst", "Temat"):
            assert personal not in event.reason
