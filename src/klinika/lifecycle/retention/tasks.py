"""The daily retention scan: one task per clinic, queued by `klinika worker` until it has run that day."""
from django.utils import timezone

from klinika.audit.context import Actor, acting_as
from klinika.lifecycle.retention import services
from klinika.lifecycle.retention.models import RetentionScan
from klinika.tenancy.context import cross_clinic
from klinika.tenancy.tasks import clinic_task

SCAN_ACTOR = Actor(None, "system:retention")


@clinic_task
def scan_retention() -> dict:
    """Recompute the due queue of the clinic the task was enqueued for (`.enqueue(str(clinic.pk))`);
    a second task on the same day finds the scan done and does nothing."""
    if services.scanned_today():
        return {"skipped": "scanned today"}
    with acting_as(SCAN_ACTOR):
        return services.refresh_queue().as_dict()


def enqueue_daily_scans(clinics) -> list:
    """Queue a scan for each of `clinics` whose queue was not computed today (a worker round runs every
    minute or so; the scan is daily)."""
    with cross_clinic("retention: which clinics were scanned today (dates only)"):
        done = set(RetentionScan.objects.filter(scanned_on=timezone.localdate()).values_list("clinic_id", flat=True))
    return [scan_retention.enqueue(str(clinic.pk)) for clinic in clinics if clinic.pk not in done]
