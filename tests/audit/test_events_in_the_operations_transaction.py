import pytest
from django.db import transaction

from klinika.audit.context import batch_scope
from klinika.audit.models import Action, AuditEvent
from klinika.audit.services import flush, record
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_a_rolled_back_operation_leaves_no_audit_event(in_clinic, people):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        Patient(**people.patient()).save()
        record(Action.CREATE, object_type="patient", object_id=1)
        raise RuntimeError("the operation failed")
    assert AuditEvent.objects.count() == before


def test_a_batch_is_written_once_at_its_end(in_clinic, django_assert_max_num_queries):
    before = AuditEvent.objects.count()
    with batch_scope(), transaction.atomic():
        for i in range(50):
            record(Action.READ, object_type="patient", object_id=i)
        assert AuditEvent.objects.count() == before  # nothing written yet
        with django_assert_max_num_queries(8):
            flush()
    assert AuditEvent.objects.count() == before + 50


def test_events_carry_no_plaintext_personal_data(in_clinic, people):
    data = people.patient()
    patient = Patient(**data)
    patient.save()
    record(Action.READ, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref)
    values = {str(v) for v in AuditEvent.objects.values_list(
        "object_type", "object_id", "reason", "actor_role", "request_id").first()}
    for personal in (data["last_name"], data["pesel"], data["phone"]):
        assert all(personal not in v for v in values)


def test_events_of_two_clinics_go_to_two_chains(make_clinic):
    a, b = make_clinic(), make_clinic()
    with clinic_context(a):
        record(Action.READ, object_type="patient", object_id=1)
    with clinic_context(b):
        record(Action.READ, object_type="patient", object_id=1)
        assert set(AuditEvent.objects.values_list("chain", flat=True)) == {str(b.pk)}


def test_events_for_another_chain_can_be_written_from_inside_a_clinic(make_clinic):
    from klinika.audit.models import VENDOR_CHAIN
    from klinika.tenancy.context import cross_clinic

    a = make_clinic()
    with clinic_context(a):
        b = make_clinic()  # creating a clinic writes to the vendor chain and the new clinic's chain
        record(Action.READ, object_type="x", object_id=1, clinic_id=None)
    with cross_clinic("test: look at the vendor chain"):
        vendor = AuditEvent.objects.filter(chain=VENDOR_CHAIN)
        assert vendor.exists() and not vendor.exclude(clinic_id=None).exists()
        assert AuditEvent.objects.filter(chain=str(b.pk), clinic_id=b.pk).exists()
