"""Export a clinic's FHIR resources to NDJSON files (as the handover export lays them out) and read a
clinic back as comparable values: natural keys instead of primary keys, every field that carries meaning."""
import json
from pathlib import Path

from klinika.accounts.models import StaffMember, User
from klinika.edocs.models import Prescription, Referral, SickLeave
from klinika.fhir import handover
from klinika.patients.models import Patient
from klinika.records.models import Allergy, Attachment, Encounter, VitalSigns
from klinika.records.services import attachments
from klinika.scheduling.models import Appointment, AvailabilityException, WeeklyAvailability
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context


def export(clinic, directory: Path, *, chunk_size: int = 7) -> dict:
    """fhir/<Type>.ndjson per resource type and each attachment's bytes at its attachment_path."""
    (directory / "fhir").mkdir(parents=True, exist_ok=True)
    counts = {}
    with clinic_context(clinic):
        for resource_type in handover.RESOURCE_TYPES:
            with open(directory / "fhir" / f"{resource_type}.ndjson", "w", encoding="utf-8") as out:
                n = 0
                for _key, resource in handover.iter_resources(resource_type, chunk_size=chunk_size):
                    out.write(resource.model_dump_json() + "\n")
                    n += 1
            counts[resource_type] = n
        reader = User.objects.filter(clinic=clinic, role="doctor").first()
        for attachment in Attachment.objects.all():
            path = directory / handover.attachment_path(attachment)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"".join(attachments.download(reader, attachment.public_id).chunks))
    return counts


def import_into(clinic, directory: Path) -> dict:
    session = handover.ImportSession(clinic, lambda url: (directory / url).read_bytes())
    for resource_type in handover.RESOURCE_TYPES:
        with open(directory / "fhir" / f"{resource_type}.ndjson", encoding="utf-8") as lines:
            session.load(resource_type, (json.loads(line) for line in lines))
    return session.finish()


def _person(patient) -> tuple:
    return (patient.last_name, patient.first_name, patient.birth_date)


def snapshot(clinic) -> dict:
    """Everything the round trip must reproduce, keyed by what identifies it outside klinika."""
    with clinic_context(clinic):
        patients = {p.pk: p for p in Patient.objects.all()}
        key = {pk: _person(p) for pk, p in patients.items()}
        licence = {p.pk: p.licence_number for p in Practitioner.objects.all()}
        users = {m.user_id: (m.last_name, m.first_name) for m in StaffMember.objects.all()}
        appointments = {a.pk: (key[a.patient_id], a.starts_at) for a in Appointment.objects.all()}
        visits = {e.pk: (key[e.patient_id], e.started_at) for e in Encounter.objects.all()}
        out = {
            "staff": sorted((m.last_name, m.first_name, m.email, m.phone, m.user.role) for m in
                            StaffMember.objects.select_related("user")),
            "practitioners": sorted((p.licence_number, p.profession, p.title, tuple(sorted(s.code for s in
                                                                                       p.specialties.all())))
                                    for p in Practitioner.objects.all()),
            "hours": sorted((licence[h.practitioner_id], h.weekday, h.start_time, h.end_time, h.slot_minutes,
                             h.valid_from, h.valid_until, tuple(sorted(t.code for t in h.visit_types.all())))
                            for h in WeeklyAvailability.objects.all()),
            "leave": sorted((licence[x.practitioner_id], x.kind, x.starts_at, x.ends_at, x.note)
                            for x in AvailabilityException.objects.all()),
            "patients": sorted((key[p.pk], p.pesel, p.pesel_is_mothers, p.document_type, p.document_number,
                                p.document_country, p.sex, json.dumps(p.address, sort_keys=True), p.phone, p.email,
                                p.consent_sms, p.consent_email, p.preferred_channel,
                                key.get(p.guardian_id), p.guardian_relation) for p in patients.values()),
            "appointments": sorted((key[a.patient_id], licence[a.practitioner_id], a.visit_type.code, a.starts_at,
                                    a.ends_at, a.status, a.reason, a.cancel_reason, a.created_at, a.checked_in_at,
                                    a.cancelled_at) for a in Appointment.objects.select_related("visit_type")),
            "visits": sorted((appointments[e.appointment_id], licence[e.practitioner_id], e.status, e.started_at,
                              e.signed_at, json.dumps(e.current.content, sort_keys=True), e.current.signed_at)
                             for e in Encounter.objects.select_related("current")),
            "vitals": sorted((key[v.patient_id], visits.get(v.encounter_id), json.dumps(v.values, sort_keys=True),
                              users[v.recorded_by_id], v.recorded_at) for v in VitalSigns.objects.all()),
            "allergies": sorted((key[a.patient_id], a.substance, a.reaction, a.severity, a.is_active,
                                 a.recorded_at) for a in Allergy.objects.all()),
            "edocuments": sorted((type(d).__name__, d.number, d.status, json.dumps(d.content, sort_keys=True),
                                  key[d.patient_id], licence[d.practitioner_id], visits.get(d.encounter_id),
                                  d.signed_at, getattr(d, "package_id", None) is not None)
                                 for model in (Prescription, Referral, SickLeave) for d in model.objects.all()),
            "packages": sorted(tuple(sorted(d.number for d in Prescription.objects.filter(package_id=pk)))
                               for pk in set(Prescription.objects.values_list("package_id", flat=True))),
            "attachments": sorted((key[a.patient_id], visits.get(a.encounter_id), a.kind, a.content_type, a.size,
                                   a.original_name, a.description, users[a.uploaded_by_id], a.uploaded_at,
                                   _bytes(clinic, a)) for a in Attachment.objects.all()),
        }
    return out


def _bytes(clinic, attachment) -> bytes:
    reader = User.objects.filter(clinic=clinic, role="doctor").first()
    return b"".join(attachments.download(reader, attachment.public_id).chunks)
