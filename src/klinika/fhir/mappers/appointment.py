"""Appointment <-> FHIR Appointment.

Standard elements: status, appointmentType (the clinic's visit type), reasonCode and
cancelationReason (free text), start, end, created (when it was booked), participants (the
Patient and the PractitionerRole).
Extensions (no element in R4): who booked it, the appointment it was rescheduled from, when the
patient checked in, when it was cancelled, and the room.
"""
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.appointment import AppointmentParticipant

from klinika.fhir.common import (
    aware,
    code_of,
    code_system,
    concept,
    ext,
    ext_value,
    fid,
    ref,
    ref_id,
    text,
    user_ref,
)
from klinika.scheduling.models import AppointmentStatus as S

VISIT_TYPE = code_system("visit-type")
# A slot held for a waitlist offer is "proposed": the patient has not accepted it yet.
STATUS = {S.HELD: "proposed", S.BOOKED: "booked", S.CHECKED_IN: "checked-in", S.COMPLETED: "fulfilled",
          S.NO_SHOW: "noshow", S.CANCELLED: "cancelled"}
FROM_STATUS = {v: k for k, v in STATUS.items()}


def to_fhir(appointment, *, people=None) -> FhirAppointment:
    visit_type = appointment.visit_type
    return FhirAppointment(
        id=fid(appointment.pk), status=STATUS[appointment.status],
        appointmentType=concept(VISIT_TYPE, visit_type.code, visit_type.name),
        reasonCode=[concept(text=appointment.reason)] if text(appointment.reason) else None,
        cancelationReason=concept(text=appointment.cancel_reason) if text(appointment.cancel_reason) else None,
        start=aware(appointment.starts_at), end=aware(appointment.ends_at), created=aware(appointment.created_at),
        participant=[AppointmentParticipant(actor=ref("Patient", fid(appointment.patient_id)),
                                            status="needs-action" if appointment.status == S.HELD else "accepted"),
                     AppointmentParticipant(actor=ref("PractitionerRole", fid(appointment.practitioner_id)),
                                            status="accepted")],
        extension=(ext("booked-by", valueReference=user_ref(appointment.booked_by_id, people))
                   + ext("rescheduled-from", valueReference=ref("Appointment", fid(appointment.rescheduled_from_id)))
                   + ext("checked-in-at", valueDateTime=aware(appointment.checked_in_at))
                   + ext("cancelled-at", valueDateTime=aware(appointment.cancelled_at))
                   + ext("room", valueString=appointment.room.name if appointment.room_id else None)) or None)


def values(appointment, *, people=None) -> dict:
    booked_by = user_ref(appointment.booked_by_id, people)
    return {"id": fid(appointment.pk), "patient": fid(appointment.patient_id),
            "practitioner": fid(appointment.practitioner_id), "visit_type": appointment.visit_type.code,
            "status": appointment.status, "reason": text(appointment.reason),
            "cancel_reason": text(appointment.cancel_reason), "starts_at": aware(appointment.starts_at),
            "ends_at": aware(appointment.ends_at), "created_at": aware(appointment.created_at),
            "checked_in_at": aware(appointment.checked_in_at), "cancelled_at": aware(appointment.cancelled_at),
            "booked_by": ref_id(booked_by, "Practitioner"), "rescheduled_from": fid(appointment.rescheduled_from_id),
            "room": appointment.room.name if appointment.room_id else ""}


def from_fhir(resource: FhirAppointment) -> dict:
    actors = [p.actor for p in resource.participant or []]
    return {"id": resource.id, "patient": next(filter(None, (ref_id(a, "Patient") for a in actors)), None),
            "practitioner": next(filter(None, (ref_id(a, "PractitionerRole") for a in actors)), None),
            "visit_type": code_of(resource.appointmentType, VISIT_TYPE), "status": FROM_STATUS[resource.status],
            "reason": (resource.reasonCode or [concept()])[0].text or "",
            "cancel_reason": (resource.cancelationReason.text or "") if resource.cancelationReason else "",
            "starts_at": aware(resource.start), "ends_at": aware(resource.end), "created_at": aware(resource.created),
            "checked_in_at": aware(ext_value(resource, "checked-in-at", "valueDateTime")),
            "cancelled_at": aware(ext_value(resource, "cancelled-at", "valueDateTime")),
            "booked_by": ref_id(ext_value(resource, "booked-by", "valueReference"), "Practitioner"),
            "rescheduled_from": ref_id(ext_value(resource, "rescheduled-from", "valueReference"), "Appointment"),
            "room": ext_value(resource, "room", "valueString", "")}
