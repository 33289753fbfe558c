"""`klinika worker`: queues every active clinic's reminder job, runs the queue, and a reminder goes out once."""
import io
import logging
import signal
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from klinika.lifecycle.services import shred_clinic
from klinika.notify.gateways.file import read_outbox
from klinika.scheduling.models import Reminder
from klinika.tenancy.context import clinic_context
from klinika.web.worker import PeriodicWorker
from tests.notify.booking import add_patient, add_practitioner, book, use_outbox

# The worker commits and closes connections as in production: no test transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
REMINDER_TASK = "klinika.scheduling.tasks.send_clinic_reminders"
RETENTION_TASK = "klinika.lifecycle.retention.tasks.scan_retention"  # the daily due-list scan
EDOCS_TASK = "klinika.edocs.tasks.retry_due_submissions"
HOLDS_TASK = "klinika.scheduling.tasks.release_waitlist_holds"


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.fixture(autouse=True)
def _signals_restored():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    assert {sig: signal.getsignal(sig) for sig in saved} == saved, "the command left its signal handlers behind"


def _clinic_with_due_visits(make_clinic, people, visits=1):
    clinic = make_clinic()
    with clinic_context(clinic):
        doctor = add_practitioner(clinic, people)
        patients = [add_patient(people) for _ in range(visits)]
        for hour, patient in enumerate(patients, start=8):
            book(patient, doctor, 2, hour=hour)
    return clinic, patients


def _worker_once(*args):
    call_command("worker", "--once", "--interval", "0", *args, stdout=io.StringIO())


def _task_results():
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.order_by("enqueued_at").values("task_path", "args_kwargs", "status",
                                                                    "return_value"))


def test_once_sends_the_due_reminder_and_a_second_run_sends_nothing(make_clinic, people, outbox, database_tasks,
                                                                    caplog):
    clinic, [patient] = _clinic_with_due_visits(make_clinic, people)

    with caplog.at_level(logging.INFO, logger="klinika.worker"):
        _worker_once()
    assert len(read_outbox(outbox)) == 1
    with clinic_context(clinic):
        assert Reminder.objects.get().status == "sent"
    first = _task_results()
    assert sorted(t["task_path"] for t in first) == sorted([EDOCS_TASK, REMINDER_TASK, RETENTION_TASK,
                                                            HOLDS_TASK])
    assert {t["status"] for t in first} == {"SUCCESSFUL"}
    assert all(t["args_kwargs"]["args"] == [str(clinic.pk)] for t in first)
    assert f"{clinic.slug}: queued reminders (task " in caplog.text and "edocs (task " in caplog.text
    assert "ran 4 task(s), 0 failed" in caplog.text
    for personal in (patient.phone, patient.first_name, patient.last_name):
        assert personal not in caplog.text

    _worker_once()
    assert len(read_outbox(outbox)) == 1
    second = [t for t in _task_results() if t["task_path"] == REMINDER_TASK][1]
    assert second["status"] == "SUCCESSFUL" and second["return_value"]["sent"] == 0


def test_a_terminated_clinic_is_skipped(make_clinic, people, outbox, database_tasks, caplog):
    active, _ = _clinic_with_due_visits(make_clinic, people)
    shredded, _ = _clinic_with_due_visits(make_clinic, people)
    shred_clinic(shredded, "contract ended")

    with caplog.at_level(logging.INFO, logger="klinika.worker"):
        _worker_once()

    results = _task_results()
    assert {t["args_kwargs"]["args"][0] for t in results} == {str(active.pk)}
    assert {t["status"] for t in results} == {"SUCCESSFUL"} and len(results) == 4
    assert len(read_outbox(outbox)) == 1
    assert shredded.slug not in caplog.text


def test_a_failing_task_does_not_stop_the_others_but_fails_the_once_run(make_clinic, people, outbox,
                                                                          database_tasks, monkeypatch):
    _clinic_with_due_visits(make_clinic, people)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("klinika.scheduling.tasks.send_due_reminders", broken)
    with pytest.raises(CommandError, match="1 task"):
        _worker_once()
    assert {t["task_path"]: t["status"] for t in _task_results()} == {REMINDER_TASK: "FAILED",
                                                                      EDOCS_TASK: "SUCCESSFUL",
                                                                      RETENTION_TASK: "SUCCESSFUL",
                                                                      HOLDS_TASK: "SUCCESSFUL"}
    assert read_outbox(outbox) == []


def test_two_workers_at_once_send_each_reminder_once(make_clinic, people, outbox, database_tasks):
    clinic, patients = _clinic_with_due_visits(make_clinic, people, visits=6)
    both_queued = threading.Barrier(2, timeout=60)

    class RacingWorker(PeriodicWorker):
        def queue_round(self):
            queued = super().queue_round()
            both_queued.wait()  # each worker's round is queued before either runs anything
            return queued

    errors = []

    def run(worker_id):
        try:
            RacingWorker(every=300, interval=0, worker_id=worker_id).serve(once=True)
        except BaseException as exc:  # surfaced below; a thread's exception would be lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    lines = read_outbox(outbox)
    assert len(lines) == len(patients) == len({line["to"] for line in lines})
    reminder_tasks = [t for t in _task_results() if t["task_path"] == REMINDER_TASK]
    assert len(reminder_tasks) == 2 and {t["status"] for t in reminder_tasks} == {"SUCCESSFUL"}
    assert sum(t["return_value"]["sent"] for t in reminder_tasks) == len(patients)
    with clinic_context(clinic):
        assert Reminder.objects.filter(status="sent").count() == Reminder.objects.count() == len(patients)


def test_without_the_database_task_backend_it_refuses(clinic):
    # the test settings run tasks at once: a worker would have nothing to run
    with pytest.raises(CommandError, match="database task backend"):
        _worker_once()
