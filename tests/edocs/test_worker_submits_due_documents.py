"""`klinika worker` queues each clinic's retry sweep: a document signed during an outage reaches the platform."""
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from klinika.edocs.gateway import simulator
from klinika.edocs.models import DocStatus, Referral
from klinika.tenancy.context import clinic_context
from tests.edocs.issuing import signed_referral

# The worker commits and closes connections as in production: no test transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_the_worker_submits_a_document_left_signed_by_an_outage(world, settings):
    from django_tasks_db.models import DBTaskResult

    # Signed while tasks still run at once: the attempt meets the outage, and the deferred
    # retry it asks for is nobody's job but the periodic sweep's.
    with simulator.outage():
        referral = signed_referral(world)
    with clinic_context(world.clinic):
        Referral.objects.filter(pk=referral.pk).update(next_attempt_at=timezone.now())
        assert Referral.objects.get(pk=referral.pk).status == DocStatus.SIGNED

    settings.TASKS = DATABASE_TASKS
    call_command("worker", "--once", "--interval", "0", stdout=io.StringIO())

    with clinic_context(world.clinic):
        submitted = Referral.objects.get(pk=referral.pk)
    assert submitted.status == DocStatus.SUBMITTED and submitted.platform_id
    sweep = DBTaskResult.objects.get(task_path="klinika.edocs.tasks.retry_due_submissions")
    assert sweep.status == "SUCCESSFUL" and sweep.args_kwargs["args"] == [str(world.clinic.pk)]
    assert sweep.return_value == {"submitted": 1, "rejected": 0, "unavailable": 0, "not-due": 0}

    call_command("worker", "--once", "--interval", "0", stdout=io.StringIO())
    assert DBTaskResult.objects.filter(task_path="klinika.edocs.tasks.retry_due_submissions").latest(
        "enqueued_at").return_value == {"submitted": 0, "rejected": 0, "unavailable": 0, "not-due": 0}
