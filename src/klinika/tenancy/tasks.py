"""Background tasks run for one clinic: the clinic id is the task's first argument."""
import functools
import logging

from django_tasks import task

from klinika.tenancy.context import clinic_context

logger = logging.getLogger(__name__)


def clinic_task(function=None, **task_options):
    """Like django_tasks.task, but `enqueue(clinic_id, ...)` runs the body inside that clinic's context.

    The id travels as a string (task arguments must be JSON), never as a model instance.
    """

    def decorate(body):
        @functools.wraps(body)
        def run_for_clinic(clinic_id: str, *args, **kwargs):
            from klinika.tenancy.models import Clinic

            # A task queued before the clinic's contract ended must not write into it afterwards.
            status = Clinic.objects.filter(pk=clinic_id).values_list("status", flat=True).first()
            if status != Clinic.Status.ACTIVE:
                logger.info("skipped %s for clinic %s: %s", body.__name__, clinic_id, status or "no such clinic")
                return {"skipped_clinic": str(status or "missing")}
            with clinic_context(clinic_id):
                return body(*args, **kwargs)

        return task(**task_options)(run_for_clinic)

    return decorate(function) if function is not None else decorate
