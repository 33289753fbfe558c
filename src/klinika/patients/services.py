"""Patient registry operations: policy check, one transaction, audit event."""
from django.db import transaction

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.patients.models import Patient


def register_patient(user, **fields) -> Patient:
    require(user, "patients.register")
    with transaction.atomic():
        patient = Patient(**fields)
        patient.save()
        record(Action.CREATE, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref)
    return patient


def get_patient(user, patient_id) -> Patient:
    """The patient, for someone allowed to see demographics; 404 for another clinic's id."""
    from django.shortcuts import get_object_or_404

    require(user, "patients.view_demographics")
    patient = get_object_or_404(Patient.objects, pk=patient_id)
    record(Action.READ, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref)
    return patient
