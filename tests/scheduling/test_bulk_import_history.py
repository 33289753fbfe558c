"""Bulk import of weekly hours and appointment history: real past dates and end states in one insert,
the database's no-overlap guard in force, one audit event per record."""
import datetime

import pytest
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.audit.models import AuditEvent
from klinika.audit.verify import verify
from klinika.bulk import ImportRejected
from klinika.patients.services.bulk import import_patients
from klinika.scheduling.models import Appointment
from klinika.scheduling.services.bulk import import_appointments, import_visit_types, import_weekly_hours
from klinika.staff.services.bulk import import_practitioners
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth import generate_patients, generate_practitioners
from tests.scheduling.overlap_sql import overlapping_pairs

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")


@pytest.fixture
def setup(clinic):
    people = [dict(p, login=f"{clinic.slug}-{i}") for i, p in enumerate(generate_practitioners(seed=1, doctors=2,
                                                                                              nurses=1))]
    practitioners = import_practitioners(clinic, people, actor=IMPORTER).practitioner_ids
    visit = import_visit_types(clinic, [{"name": "Wizyta", "duration_minutes": 20}], actor=IMPORTER).ids[0]
    patients = import_patients(clinic, [r for b in generate_patients(30, seed=2, batch_size=30) for r in b.rows()],
                               actor=IMPORTER)
    return practitioners, visit, sorted(patients.ids.values())


def at(days, hour, minute=0):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_history_goes_in_with_its_dates_and_states(clinic, setup):
    (doctor, other, _nurse), visit, patients = setup
    rows = [
        {"patient_id": patients[0], "practitioner_id": doctor, "visit_type_id": visit, "starts_at": at(-30, 9),
         "status": "completed", "booked_at": at(-40, 12), "checked_in_at": at(-30, 8, 55), "reason": "kaszel"},
        {"patient_id": patients[1], "practitioner_id": doctor, "visit_type_id": visit, "starts_at": at(-30, 9, 20),
         "status": "no_show", "booked_at": at(-31, 10)},
        {"patient_id": patients[2], "practitioner_id": doctor, "visit_type_id": visit, "starts_at": at(-30, 9, 20),
         "status": "cancelled", "booked_at": at(-35, 10), "cancelled_at": at(-32, 10), "cancel_reason": "wyjazd"},
        {"patient_id": patients[3], "practitioner_id": other, "visit_type_id": visit, "starts_at": at(5, 10),
         "status": "booked", "booked_at": at(-2, 10)},
    ]
    result = import_appointments(clinic, rows, actor=IMPORTER)
    with clinic_context(clinic):
        stored = [Appointment.objects.get(pk=pk) for pk in result.ids]
        assert [a.status for a in stored] == ["completed", "no_show", "cancelled", "booked"]
        assert [a.starts_at for a in stored] == [r["starts_at"] for r in rows]
        assert [a.created_at for a in stored] == [r["booked_at"] for r in rows]
        assert stored[0].ends_at == at(-30, 9, 20) and stored[0].reason == "kaszel"
        assert stored[2].cancelled_at == at(-32, 10) and stored[2].cancel_reason == "wyjazd"
        events = AuditEvent.objects.filter(object_type="appointment", action="create", reason="imported")
        assert sorted(int(e.object_id) for e in events) == sorted(result.ids)
    assert overlapping_pairs() == 0
    assert verify(clinic.pk).ok


def test_overlaps_and_impossible_states_are_refused_with_row_and_field(clinic, setup):
    (doctor, _other, _nurse), visit, patients = setup
    base = {"practitioner_id": doctor, "visit_type_id": visit, "booked_at": at(-50, 8)}
    first = [dict(base, patient_id=patients[0], starts_at=at(-10, 9), status="completed")]
    import_appointments(clinic, first, actor=IMPORTER)
    bad = [dict(base, patient_id=patients[1], starts_at=at(-9, 9), status="completed"),
           dict(base, patient_id=patients[2], starts_at=at(-9, 9, 10), status="no_show"),   # overlaps row 0
           dict(base, patient_id=patients[3], starts_at=at(3, 9), status="completed"),     # a future visit done
           dict(base, patient_id=patients[4], starts_at=at(4, 9), status="lost")]
    with pytest.raises(ImportRejected) as caught:
        import_appointments(clinic, bad, actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [(1, "starts_at"), (2, "status"), (3, "status")]
    # the database's own guard: an overlap with what is stored already
    with pytest.raises(ImportRejected) as caught:
        import_appointments(clinic, [dict(base, patient_id=patients[5], starts_at=at(-10, 9, 10),
                                          status="completed")], actor=IMPORTER)
    assert caught.value.problems[0].field == "starts_at"
    with clinic_context(clinic):
        assert Appointment.objects.count() == 1
    assert overlapping_pairs() == 0


def test_weekly_hours_go_in_and_overlapping_hours_are_refused(clinic, setup):
    (doctor, _other, _nurse), visit, _patients = setup
    monday = {"practitioner_id": doctor, "weekday": 0, "start_time": "08:00", "end_time": "12:00",
              "visit_type_ids": [visit], "valid_from": timezone.localdate()}
    assert import_weekly_hours(clinic, [monday, dict(monday, weekday=1)], actor=IMPORTER).count == 2
    with pytest.raises(ImportRejected) as caught:
        import_weekly_hours(clinic, [dict(monday, weekday=2), dict(monday, start_time="11:00", end_time="14:00")],
                            actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [(1, "start_time")]
