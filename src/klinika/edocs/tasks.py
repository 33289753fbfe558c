"""Background tasks of e-documents: submission attempts, and the sweep that retries whatever is due.

Both run inside the clinic's context (clinic_task: the clinic id is the first argument).
"""
from klinika.edocs.services import submission
from klinika.tenancy.models import Clinic
from klinika.tenancy.tasks import clinic_task


@clinic_task
def submit_unit(kind: str, unit_id: int) -> dict:
    """One submission attempt of a prescription package, referral or sick leave: `.enqueue(clinic_id, kind, id)`."""
    return submission.attempt(kind, unit_id).as_dict()


@clinic_task
def retry_due_submissions() -> dict:
    """Every signed document of the clinic whose next attempt is due (run it every few minutes)."""
    return submission.retry_due()


def enqueue_retries(clinics=None) -> list:
    """Queue one retry sweep per clinic (default: every active clinic): `klinika edocs enqueue` and every
    round of `klinika worker` queue through this function."""
    if clinics is None:
        clinics = Clinic.objects.filter(status=Clinic.Status.ACTIVE)
    return [retry_due_submissions.enqueue(str(clinic.pk)) for clinic in clinics]
