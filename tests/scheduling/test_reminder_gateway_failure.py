import pytest

from klinika.notify.models import OutboundMessage
from klinika.scheduling.models import Reminder
from klinika.scheduling.services.reminders import send_due_reminders
from klinika.tenancy.context import clinic_context
from tests.notify import gateways
from tests.notify.booking import add_patient, add_practitioner, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing(settings, monkeypatch):
    settings.KLINIKA_SMS_BACKEND = "tests.notify.gateways.RefusingGateway"
    monkeypatch.setattr(gateways, "REFUSED_NUMBERS", {"48600100234"})
    monkeypatch.setattr(gateways.RefusingGateway, "sent", [])


def test_a_refused_number_fails_its_reminder_with_the_reason_and_the_batch_goes_on(clinic, people, refusing):
    with clinic_context(clinic):
        doctor = add_practitioner(clinic, people)
        refused = book(add_patient(people, phone="+48 600 100 234"), doctor, 2, hour=9)
        fine = [book(add_patient(people, phone=f"+48 700 100 23{i}"), doctor, 2, hour=10 + i) for i in range(2)]
        run = send_due_reminders()
        statuses = dict(Reminder.objects.values_list("appointment_id", "status"))
        failed = OutboundMessage.objects.get(status=OutboundMessage.Status.FAILED)
    assert (run.sent, run.failed) == (2, 1)
    assert statuses == {refused.pk: "failed", fine[0].pk: "sent", fine[1].pk: "sent"}
    assert failed.error == "number *** is on the blacklist"
    assert len(gateways.RefusingGateway.sent) == 2


def test_a_crashing_gateway_fails_every_reminder_without_raising(clinic, people, settings):
    settings.KLINIKA_SMS_BACKEND = "tests.notify.gateways.CrashingGateway"
    with clinic_context(clinic):
        doctor = add_practitioner(clinic, people)
        for hour in (9, 10):
            book(add_patient(people), doctor, 2, hour=hour)
        run = send_due_reminders()
        assert set(Reminder.objects.values_list("status", flat=True)) == {"failed"}
    assert (run.sent, run.failed) == (0, 2)
