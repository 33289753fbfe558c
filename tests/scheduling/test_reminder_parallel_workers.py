"""Two workers reminding the same clinic at the same moment: every patient gets one message."""
import threading

import pytest
from django.db import connections

from klinika.notify.gateways.file import read_outbox
from klinika.notify.models import OutboundMessage
from klinika.scheduling.models import Reminder
from klinika.scheduling.services.reminders import due_appointments, send_due_reminders, send_reminder
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book, use_outbox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


PATIENTS = 6


@pytest.fixture
def due(clinic, people, outbox):
    with clinic_context(clinic):
        doctor = add_practitioner(clinic, people)
        for i in range(PATIENTS):
            book(add_patient(people), doctor, 2, hour=8 + i)
    return clinic


def _in_threads(clinic, work):
    results, errors = [], []

    def worker():
        try:
            with clinic_context(clinic):
                results.append(work())
        except BaseException as exc:  # surfaced below; a thread's exception would be lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def _assert_sent_once(clinic, outbox):
    lines = read_outbox(outbox)
    assert len(lines) == PATIENTS and len({line["to"] for line in lines}) == PATIENTS
    with clinic_context(clinic):
        assert Reminder.objects.count() == PATIENTS and OutboundMessage.objects.count() == PATIENTS
        assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


def test_both_workers_see_the_same_due_list_yet_each_reminder_goes_out_once(due, outbox):
    barrier = threading.Barrier(2, timeout=60)

    def work():
        ids = due_appointments()
        barrier.wait()  # both have read the list before either claims anything
        return [send_reminder(pk) for pk in ids]

    first, second = _in_threads(due, work)
    assert len(first) == len(second) == PATIENTS
    claimed = [a is not None or b is not None for a, b in zip(first, second, strict=True)]
    doubled = [a is not None and b is not None for a, b in zip(first, second, strict=True)]
    assert all(claimed) and not any(doubled)
    _assert_sent_once(due, outbox)


def test_two_whole_runs_at_once_send_each_reminder_once(due, outbox):
    runs = _in_threads(due, send_due_reminders)
    assert sum(run.sent for run in runs) == PATIENTS
    _assert_sent_once(due, outbox)
