"""The patient's printed visit confirmation (PDF, WeasyPrint like the e-document printouts).

It says when, where (the clinic's address and the room), with whom and how to cancel: never the
reason for the visit, the visit type's name or a diagnosis. The paper leaves the clinic in the
patient's bag; it must not tell anyone who finds it more than "a visit at this clinic". The PDF is
made in memory, never written to disk; its file name carries the appointment number only.
"""
import weasyprint
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.scheduling.models import Appointment, AppointmentStatus
from klinika.scheduling.services import as_id
from klinika.scheduling.slots import clinic_settings
from klinika.tenancy.models import Clinic

PRINTABLE = {AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN}


def confirmation(user, appointment_id) -> tuple[str, bytes]:
    """(file name, PDF) of one booked visit's confirmation; printing is audited. The caller checks the role."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "practitioner__staff", "visit_type", "room").defer(
            "patient__details"), pk=as_id(appointment_id))
    if appointment.status not in PRINTABLE:
        raise ValidationError(_("Only a booked visit can be confirmed on paper."))
    pdf = weasyprint.HTML(string=confirmation_html(appointment)).write_pdf()
    record(Action.PRINT, object_type="appointment", object_id=appointment.pk,
           subject_ref=appointment.patient.subject_ref, reason="visit confirmation")
    return f"wizyta-{appointment.pk}.pdf", pdf


def confirmation_html(appointment, *, printed_at=None) -> str:
    place = clinic_settings()
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("scheduling/print/confirmation.html", {
            "appointment": appointment, "patient": appointment.patient, "practitioner": appointment.practitioner,
            "clinic": Clinic.objects.get(pk=appointment.clinic_id), "address": place.address,
            "cancel_info": place.cancel_info, "starts_at": timezone.localtime(appointment.starts_at),
            "ends_at": timezone.localtime(appointment.ends_at),
            "printed_at": timezone.localtime(printed_at or timezone.now())})
