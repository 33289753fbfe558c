"""The export as a background task (django-tasks): queued by the clinic admin's screen.

Not a clinic_task: that one skips every clinic that is not active, and a clinic in its notice
period must still be able to take its data (the export itself refuses a terminated clinic)."""
from django_tasks import task

from klinika.lifecycle.handover import services
from klinika.tenancy.context import clinic_context


@task()
def run_export(clinic_id: str, export_public_id: str) -> dict:
    with clinic_context(clinic_id):
        return services.run_queued_export(export_public_id)
