"""Background tasks of scheduling: reminders and the release of lapsed waitlist holds (one task per clinic
each, every worker round) and waitlist offers (one per offer), queued in the database."""
from klinika.audit.context import acting_as
from klinika.scheduling.services.reminders import REMINDER_ACTOR, send_due_reminders
from klinika.scheduling.services.waitlist import release_lapsed_holds
from klinika.scheduling.services.waitlist_offers import OFFER_ACTOR, send_offer
from klinika.tenancy.models import Clinic
from klinika.tenancy.tasks import clinic_task


@clinic_task
def send_clinic_reminders() -> dict:
    """Send the due reminders of the clinic the task was enqueued for: `.enqueue(str(clinic.pk))`."""
    with acting_as(REMINDER_ACTOR):
        return send_due_reminders().as_dict()


def enqueue_reminders(clinics=None) -> list:
    """Queue one reminder task per clinic (default: every active clinic); `klinika worker` runs them.

    `klinika reminders enqueue` and every round of `klinika worker` queue through this function."""
    if clinics is None:
        clinics = Clinic.objects.filter(status=Clinic.Status.ACTIVE)
    return [send_clinic_reminders.enqueue(str(clinic.pk)) for clinic in clinics]


@clinic_task
def send_waitlist_offer(offer_id: int) -> str:
    """Tell the patient of one waitlist offer: `.enqueue(str(clinic.pk), offer.pk)`, queued when the offer commits."""
    with acting_as(OFFER_ACTOR):
        offer = send_offer(offer_id)
        return offer.status if offer is not None else "already-handled"


@clinic_task
def release_waitlist_holds() -> dict:
    """Free the slots held for waitlist offers that lapsed, offering each to the next in line."""
    with acting_as(OFFER_ACTOR):
        return {"released": release_lapsed_holds()}


def enqueue_hold_releases(clinics=None) -> list:
    """Queue one hold-release task per clinic (default: every active clinic); every round of `klinika worker`
    queues through this function."""
    if clinics is None:
        clinics = Clinic.objects.filter(status=Clinic.Status.ACTIVE)
    return [release_waitlist_holds.enqueue(str(clinic.pk)) for clinic in clinics]
