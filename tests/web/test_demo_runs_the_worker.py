"""`klinika demo` serves with a worker in the same process, so a document signed in the demo is
submitted within seconds, as in production; the worker stops with the server."""
import threading
import time

import pytest

from klinika.edocs import services
from klinika.edocs.models import DocStatus, Referral
from klinika.tenancy.context import clinic_context
from klinika.web.management.commands.demo import background_worker
from tests.edocs.world import build, referral_data

# The worker thread has its own database connection: the test's writes must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _status(world, pk):
    with clinic_context(world.clinic):
        return Referral.objects.get(pk=pk).status


def test_a_document_signed_while_the_demo_serves_is_submitted_by_its_worker(clinic, people, settings, tmp_path):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    settings.KLINIKA_OUTBOX_DIR = tmp_path / "outbox"
    settings.KLINIKA_SMS_BACKEND = "file"
    world = build(clinic, people)
    with background_worker(interval=0.1) as worker:
        # Its first round (each clinic's reminders and e-document sweep) done, only the task that
        # signing queues can submit the document before the next round, a minute later.
        started = time.monotonic()
        while worker.ran < 2 and time.monotonic() - started < 15:
            time.sleep(0.05)
        with clinic_context(world.clinic):
            referral = services.create_referral(world.doctor, encounter_id=world.encounter.pk,
                                                data=referral_data())
            # Signed through the service, like the demo's visit screen (queued, not run in this call).
            services.sign(world.doctor, "ref", referral.pk)
        signed_at = time.monotonic()
        queued = DBTaskResult.objects.filter(task_path="klinika.edocs.tasks.submit_unit")
        while ((_status(world, referral.pk) == DocStatus.SIGNED or queued.filter(status="READY").exists())
               and time.monotonic() - signed_at < 15):
            time.sleep(0.1)
        took = time.monotonic() - signed_at
        assert _status(world, referral.pk) == DocStatus.SUBMITTED, "the demo's worker did not submit it"
        assert took < 5
    # Queued by the signing (not run at once inside sign()) and run by the worker thread.
    submitted = queued.get()
    assert submitted.status == "SUCCESSFUL" and submitted.worker_ids[0].startswith("demo-")
    assert not [t for t in threading.enumerate() if t.name == "klinika-demo-worker"]
