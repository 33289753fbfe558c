"""A crypto-erased person (subject key destroyed) is left out of the export with everything of theirs
that is sealed under their key; nobody else is."""
import pytest

from klinika.crypto import keystore
from klinika.fhir import handover
from klinika.records.models import Encounter
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def _ids(resource_type, reference_of):
    return [reference_of(r) for _k, r in handover.iter_resources(resource_type, chunk_size=6)]


def test_an_erased_patient_and_their_visits_are_left_out(generated):
    with clinic_context(generated):
        visit = Encounter.objects.order_by("pk").first()
        gone = str(visit.patient_id)
        before_patients = _ids("Patient", lambda r: r.id)
        before_visits = _ids("Encounter", lambda r: r.subject.reference)
        keystore.erase_subject(generated.pk, visit.patient.subject_ref)
        keystore.forget_cached_keys()
        patients = _ids("Patient", lambda r: r.id)
        visits = _ids("Encounter", lambda r: r.subject.reference)
        appointments = _ids("Appointment", lambda r: r.participant[0].actor.reference)
    assert gone in before_patients and gone not in patients
    assert len(patients) == len(before_patients) - 1
    assert f"Patient/{gone}" in before_visits and f"Patient/{gone}" not in visits
    assert len(visits) == len(before_visits) - before_visits.count(f"Patient/{gone}")
    assert f"Patient/{gone}" not in appointments and appointments
