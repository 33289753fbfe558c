"""The worker queues one retention scan per clinic per day; the scan fills the queue the screen shows."""
import pytest

from klinika.lifecycle.retention.models import RetentionItem, RetentionScan
from klinika.lifecycle.retention.tasks import enqueue_daily_scans
from klinika.tenancy.context import clinic_context

from .conftest import at

pytestmark = pytest.mark.django_db


def test_once_a_day(world, old):
    patient = old.patient(at(2001, 2, 2))
    assert len(enqueue_daily_scans([world.clinic])) == 1  # the immediate task backend runs it at once
    with clinic_context(world.clinic):
        assert RetentionScan.objects.get().due == 1
        assert RetentionItem.objects.get().ref == patient.subject_ref
    assert enqueue_daily_scans([world.clinic]) == []  # done for today


def test_the_worker_round_queues_the_scan(world, old):
    from klinika.web.worker import PeriodicWorker

    old.patient(at(2001, 2, 2))
    PeriodicWorker(every=60, interval=1, worker_id="test").queue_round()
    with clinic_context(world.clinic):
        assert RetentionItem.objects.count() == 1
