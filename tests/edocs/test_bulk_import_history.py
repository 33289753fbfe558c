"""Bulk import of e-documents issued elsewhere: the form rules for the day of issue, an honest status, bad rows
named."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.audit.models import AuditEvent
from klinika.bulk import ImportRejected
from klinika.edocs import services, statuses
from klinika.edocs.models import DocStatus, DocumentEvent, NumberSequence, Prescription, Referral, SickLeave
from klinika.edocs.services.bulk import import_documents
from klinika.edocs.services.submission import due_units
from klinika.records.models import Encounter
from klinika.tenancy.context import clinic_context
from tests.edocs.world import amoxicillin_item, free_item, referral_data, sick_leave_data

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")


@pytest.fixture
def past_visit(world):
    """A visit ten days ago, where the documents were issued."""
    with clinic_context(world.clinic):
        encounter = Encounter(patient=world.patient, practitioner=world.practitioner,
                              started_at=timezone.now() - datetime.timedelta(days=10))
        encounter.save()
    return encounter


def rows(visit, **sick_leave):
    issued_at = visit.started_at + datetime.timedelta(minutes=20)
    day = timezone.localdate(issued_at)
    return [
        {"kind": "rx", "encounter_id": visit.pk, "issued_at": issued_at, "items": [amoxicillin_item(), free_item()]},
        {"kind": "ref", "encounter_id": visit.pk, "issued_at": issued_at, "data": referral_data()},
        {"kind": "zla", "encounter_id": visit.pk, "issued_at": issued_at,
         "data": sick_leave_data(date_from=day.isoformat(),
                                 date_to=(day + datetime.timedelta(days=4)).isoformat()) | sick_leave},
    ]


def test_history_goes_in_as_imported_and_claims_nothing_of_the_platform(world, past_visit):
    result = import_documents(world.clinic, rows(past_visit), actor=IMPORTER)
    assert (result.packages, result.prescriptions, result.referrals, result.sick_leaves) == (1, 2, 1, 1)
    with clinic_context(world.clinic):
        documents = [*Prescription.objects.all(), *Referral.objects.all(), *SickLeave.objects.all()]
        assert {d.status for d in documents} == {DocStatus.IMPORTED}
        for document in documents:
            assert document.platform_id == "" and document.submitted_at is None and document.next_attempt_at is None
            assert not statuses.is_registered(document) and not statuses.is_stalled(document)
            assert document.signed_at == past_visit.started_at + datetime.timedelta(minutes=20)
            assert document.number.endswith("-000001") or document.number.endswith("-000002")
        assert "not sent to P1" in statuses.describe("rx", DocStatus.IMPORTED)
        assert "not sent to ZUS" in statuses.describe("zla", DocStatus.IMPORTED)
        assert due_units() == []  # the retry worker never sends history to the platform
        assert DocumentEvent.objects.filter(to_status="imported").count() == 4
        unit = services.get_unit(world.doctor, "rx", result.unit_ids[0][1])
        assert unit.status == DocStatus.IMPORTED and unit.valid_access_code == "" and not unit.printable
        with pytest.raises(ValidationError, match="imported as history"):
            services.cancel_document(world.doctor, "zla", SickLeave.objects.get().pk)
        assert Prescription.objects.first().content["issued_on"] == timezone.localdate(
            past_visit.started_at).isoformat()
        created = AuditEvent.objects.filter(action="create", reason="imported")
        assert sorted(created.values_list("object_type", flat=True)) == [
            "e-prescription-package", "e-referral", "e-sick-leave"]


def test_a_bad_row_is_named_and_its_chunk_stores_nothing(world, past_visit):
    bad = rows(past_visit, date_from=(timezone.localdate(past_visit.started_at)
                                      - datetime.timedelta(days=6)).isoformat())
    bad[0]["items"][1]["payment_level"] = "X"
    bad.append({"kind": "memo", "encounter_id": past_visit.pk, "issued_at": past_visit.started_at})
    bad.append({"kind": "ref", "encounter_id": past_visit.pk, "issued_at": timezone.now() + datetime.timedelta(
        hours=1), "data": referral_data()})
    with pytest.raises(ImportRejected) as caught:
        import_documents(world.clinic, bad, actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (0, "items.2.payment_level"), (2, "date_from"), (3, "kind"), (4, "issued_at")]
    with clinic_context(world.clinic):
        assert not Prescription.objects.exists() and not Referral.objects.exists() and not SickLeave.objects.exists()
        assert not NumberSequence.objects.exists()
        assert not AuditEvent.objects.filter(reason="imported").exists()
