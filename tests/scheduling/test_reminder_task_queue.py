"""Reminder tasks queue in the database (django-tasks-db) and the worker runs them per clinic."""
import io
import signal

import pytest
from django.core.management import call_command

from klinika.notify.gateways.file import read_outbox
from klinika.scheduling.models import Reminder
from klinika.scheduling.tasks import enqueue_reminders, send_clinic_reminders
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book, use_outbox

# The worker commits and closes connections as in production: no test transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


@pytest.fixture(autouse=True)
def _signals_restored():
    """The worker installs its own SIGINT/SIGTERM handlers (graceful shutdown); give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_queued_task_waits_for_the_worker_and_sends_then(make_clinic, people, outbox, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    clinics = [make_clinic(), make_clinic()]
    for clinic in clinics:
        with clinic_context(clinic):
            book(add_patient(people), add_practitioner(clinic, people), 2)

    results = enqueue_reminders(clinics)
    assert [r.args for r in results] == [[str(c.pk)] for c in clinics]
    assert DBTaskResult.objects.filter(status="READY").count() == 2 and read_outbox(outbox) == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0, stdout=io.StringIO())

    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert [send_clinic_reminders.get_result(r.id).return_value["sent"] for r in results] == [1, 1]
    assert len(read_outbox(outbox)) == 2
    for clinic in clinics:
        with clinic_context(clinic):
            assert Reminder.objects.get().status == "sent"
