"""Bulk import of leave and extra hours: the rules of adding one, one audit event each, bad rows named."""
import datetime

import pytest
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.audit.models import AuditEvent
from klinika.bulk import ImportRejected
from klinika.scheduling.models import AvailabilityException
from klinika.scheduling.services.bulk import import_exceptions, import_visit_types
from klinika.staff.services.bulk import import_practitioners
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth import generate_practitioners

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")


def midnight(days):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def test_leave_goes_in_and_a_bad_row_is_named(clinic):
    people = [dict(p, login=f"{clinic.slug}-{i}") for i, p in enumerate(generate_practitioners(seed=1, doctors=1,
                                                                                              nurses=1))]
    doctor = import_practitioners(clinic, people, actor=IMPORTER).practitioner_ids[0]
    visit = import_visit_types(clinic, [{"name": "Wizyta", "duration_minutes": 20}], actor=IMPORTER).ids[0]
    with pytest.raises(ImportRejected) as caught:
        import_exceptions(clinic, [
            {"practitioner_id": doctor, "kind": "unavailable", "starts_at": midnight(-200), "ends_at": midnight(-186)},
            {"practitioner_id": doctor, "kind": "holiday", "starts_at": midnight(-10), "ends_at": midnight(-9)},
            {"practitioner_id": doctor, "kind": "unavailable", "starts_at": midnight(-3), "ends_at": midnight(-4)},
            {"practitioner_id": 10**9, "kind": "unavailable", "starts_at": midnight(1), "ends_at": midnight(2)},
            {"practitioner_id": doctor, "kind": "unavailable", "starts_at": midnight(1), "ends_at": midnight(2),
             "note": "x" * 201},
        ], actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (1, "kind"), (2, "ends_at"), (3, "practitioner"), (4, "note")]
    with clinic_context(clinic):
        assert not AvailabilityException.objects.exists()
    result = import_exceptions(clinic, [
        {"practitioner_id": doctor, "kind": "unavailable", "starts_at": midnight(-200), "ends_at": midnight(-186),
         "note": "urlop wypoczynkowy"},
        {"practitioner_id": doctor, "kind": "extra", "starts_at": midnight(3) + datetime.timedelta(hours=16),
         "ends_at": midnight(3) + datetime.timedelta(hours=19), "slot_minutes": 20, "visit_type_ids": [visit]},
    ], actor=IMPORTER)
    with clinic_context(clinic):
        leave, extra = (AvailabilityException.objects.get(pk=pk) for pk in result.ids)
        assert (leave.kind, leave.note, leave.starts_at) == ("unavailable", "urlop wypoczynkowy", midnight(-200))
        assert [t.pk for t in extra.visit_types.all()] == [visit] and extra.slot_minutes == 20
        assert AuditEvent.objects.filter(reason="imported", object_type="availability-exception").count() == 2
