"""Every mapper round-trips over a generated clinic: domain -> FHIR -> (JSON, parsed back by the
fhir.resources model, i.e. validated) -> domain gives the same values."""
import pytest

from klinika.accounts.models import StaffMember
from klinika.audit.models import AuditEvent
from klinika.edocs.models import Prescription, Referral, SickLeave
from klinika.fhir.common import staff_ids_of_users
from klinika.fhir.mappers import (
    allergy_intolerance,
    appointment,
    audit_event,
    condition,
    consent,
    document_reference,
    encounter,
    medication_request,
    observation,
    organization,
    patient,
    practitioner,
    practitioner_role,
    procedure,
    schedule,
    service_request,
)
from klinika.patients.models import Patient
from klinika.records.models import Allergy, Attachment, Encounter, VitalSigns
from klinika.scheduling.models import Appointment, AvailabilityException, Room, VisitType, WeeklyAvailability
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def _round_trip(mapper, resource):
    parsed = type(resource).model_validate_json(resource.model_dump_json())
    assert parsed.get_resource_type() == resource.get_resource_type()
    return mapper.from_fhir(parsed)


def _check(mapper, objects, **kwargs):
    assert objects, f"the generated clinic has no rows for {mapper.__name__}"
    for obj in objects:
        resource = mapper.to_fhir(obj, **kwargs)
        assert _round_trip(mapper, resource) == mapper.values(obj, **kwargs), f"{mapper.__name__} {obj.pk}"


def test_people_and_the_clinic_round_trip(generated):
    with clinic_context(generated):
        _check(practitioner, list(StaffMember.objects.select_related("user")))
        _check(practitioner_role, list(Practitioner.objects.all()))
        types, rooms = list(VisitType.objects.all()), [Room.objects.create(name="Gabinet 2 – ginekologia")]
        resource = organization.to_fhir(generated, visit_types=types, rooms=rooms)
        assert _round_trip(organization, resource) == organization.values(generated, visit_types=types, rooms=rooms)
        _check(schedule, list(WeeklyAvailability.objects.all()) + list(AvailabilityException.objects.all()))


def test_patients_and_their_consents_round_trip(generated):
    with clinic_context(generated):
        patients = list(Patient.objects.all())
        assert any(p.guardian_id for p in patients) and any(p.document_number for p in patients)
        _check(patient, patients)
        _check(consent, patients)


def test_appointments_visits_and_what_was_recorded_round_trip(generated):
    with clinic_context(generated):
        people = staff_ids_of_users(StaffMember.objects.values_list("user_id", flat=True))
        _check(appointment, list(Appointment.objects.select_related("visit_type")), people=people)
        visits = list(Encounter.objects.all())
        _check(encounter, visits, people=people)
        diagnoses = procedures = 0
        for visit in visits:
            content = visit.current.content
            for mapper, field in ((condition, "diagnoses"), (procedure, "procedures")):
                for index, entry in enumerate(content[field]):
                    resource = mapper.to_fhir(visit, index, entry)
                    assert _round_trip(mapper, resource) == mapper.values(visit, index, entry)
            diagnoses += len(content["diagnoses"])
            procedures += len(content["procedures"])
        assert diagnoses and procedures
        _check(observation, list(VitalSigns.objects.all()), people=people)
        _check(allergy_intolerance, list(Allergy.objects.all()), people=people)


def test_e_documents_attachments_and_audit_events_round_trip(generated):
    with clinic_context(generated):
        _check(medication_request, list(Prescription.objects.all()))
        _check(service_request, list(Referral.objects.all()))
        _check(document_reference, list(SickLeave.objects.all()) + list(Attachment.objects.all()))
        events = list(AuditEvent.objects.all())
        _check(audit_event, events)
        # No personal data in an audit event: only opaque ids (none of the patients' names or PESELs).
        text = "".join(audit_event.to_fhir(e).model_dump_json() for e in events)
        for p in Patient.objects.all()[:10]:
            assert p.last_name not in text and (not p.pesel or p.pesel not in text)
