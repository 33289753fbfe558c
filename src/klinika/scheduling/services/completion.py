"""An appointment whose visit was signed is completed.

Called by records when a doctor signs the visit, inside the signing transaction, so the visit and
its appointment change together or not at all. Records builds on scheduling, never the reverse.

Only an appointment still waiting for its patient (booked) or in the waiting room (checked in)
becomes completed. One that has already ended stays as it is: a cancelled appointment is not
revived by a visit signed later (the desk cancelled it; the slot may have been offered to someone
else), nor is a no-show rewritten, and a completed one is simply left completed. Signing never
fails because of the appointment's status.
"""
from django.db import transaction
from django.shortcuts import get_object_or_404

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.scheduling import signals
from klinika.scheduling.models import Appointment, AppointmentStatus

COMPLETED_BY_SIGNING = {AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN}


def complete_signed_visit(user, appointment_id) -> Appointment:
    """Mark the appointment of a just-signed visit completed (see the module's docstring for which
    statuses change); returns the appointment as it now stands."""
    require(user, "schedule.complete")
    with transaction.atomic():
        appointment = get_object_or_404(
            Appointment.objects.select_related("patient").select_for_update(of=("self",)), pk=appointment_id)
        if appointment.status not in COMPLETED_BY_SIGNING:
            return appointment
        appointment.status = AppointmentStatus.COMPLETED
        appointment.save(update_fields=["status", "updated_at"])
        record(Action.UPDATE, object_type="appointment", object_id=appointment.pk,
               subject_ref=appointment.patient.subject_ref, reason=f"{AppointmentStatus.COMPLETED} (visit signed)")
    signals.send_on_commit(signals.appointment_status_changed, appointment=appointment)
    return appointment
