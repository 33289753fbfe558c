"""Bulk import of signed visit records: the visit form's rules per row, one record per appointment."""
import datetime

import pytest
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.bulk import ImportRejected
from klinika.patients.services.bulk import import_patients
from klinika.records.models import Encounter
from klinika.records.services.bulk import import_encounters
from klinika.scheduling.services.bulk import import_appointments, import_visit_types
from klinika.staff.services.bulk import import_practitioners
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth import generate_patients, generate_practitioners

pytestmark = pytest.mark.django_db
IMPORTER = Actor(None, "importer")


@pytest.fixture
def visits(clinic):
    people = [dict(p, login=f"{clinic.slug}-{i}") for i, p in enumerate(generate_practitioners(seed=1, doctors=1,
                                                                                              nurses=1))]
    doctor = import_practitioners(clinic, people, actor=IMPORTER).practitioner_ids[0]
    visit = import_visit_types(clinic, [{"name": "Porada", "duration_minutes": 20}], actor=IMPORTER).ids[0]
    patients = sorted(import_patients(clinic, [r for b in generate_patients(20, seed=2, batch_size=20)
                                               for r in b.rows()], actor=IMPORTER).ids.values())
    day = timezone.localdate() - datetime.timedelta(days=7)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    rows = [{"patient_id": patients[n], "practitioner_id": doctor, "visit_type_id": visit,
             "starts_at": start + datetime.timedelta(minutes=20 * n), "status": status,
             "booked_at": start - datetime.timedelta(days=3)}
            for n, status in enumerate(["completed", "completed", "no_show"])]
    return import_appointments(clinic, rows, actor=IMPORTER).ids


def content(code="J06.9"):
    return {"interview": "Katar od 3 dni.", "diagnoses": [{"code": code, "main": True}]}


def test_records_go_in_signed_and_bad_rows_are_named(clinic, visits):
    first, second, missed = visits
    with pytest.raises(ImportRejected) as caught:
        import_encounters(clinic, [{"appointment_id": first, "content": content()},
                                   {"appointment_id": second, "content": content("X99.99")},
                                   {"appointment_id": missed, "content": content()},
                                   {"appointment_id": first, "content": {"diagnoses": ["J06.9"]}}], actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (1, "diagnoses"), (2, "appointment"), (3, "appointment")]
    result = import_encounters(clinic, [{"appointment_id": first, "content": content()},
                                        {"appointment_id": second, "content": content("I10")}], actor=IMPORTER)
    with clinic_context(clinic):
        stored = [Encounter.objects.select_related("current").get(pk=pk) for pk in result.ids]
        assert [e.current.content["diagnoses"][0]["code"] for e in stored] == ["J06.9", "I10"]
        assert all(e.status == "signed" and e.current.signed_by_id for e in stored)
    with pytest.raises(ImportRejected) as caught:
        import_encounters(clinic, [{"appointment_id": first, "content": content()}], actor=IMPORTER)
    assert [(p.row, p.field) for p in caught.value.problems] == [(0, "appointment")]


def test_code_lookups_are_one_query_per_new_code_not_two_per_visit(clinic):
    """The importer checks every visit's codes against the code list; within a chunk it asks the
    database about each code once (a history of thousands of visits repeats the same codes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [dict(p, login=f"{clinic.slug}-c{i}") for i, p in enumerate(generate_practitioners(seed=3, doctors=1,
                                                                                               nurses=1))]
    doctor = import_practitioners(clinic, people, actor=IMPORTER).practitioner_ids[0]
    visit = import_visit_types(clinic, [{"name": "Porada", "duration_minutes": 20}], actor=IMPORTER).ids[0]
    patients = sorted(import_patients(clinic, [r for b in generate_patients(30, seed=4, batch_size=30)
                                               for r in b.rows()], actor=IMPORTER).ids.values())
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=9),
                                                          datetime.time(8)))
    appointments = import_appointments(clinic, [
        {"patient_id": patients[n], "practitioner_id": doctor, "visit_type_id": visit, "status": "completed",
         "starts_at": start + datetime.timedelta(minutes=20 * n), "booked_at": start - datetime.timedelta(days=2)}
        for n in range(30)], actor=IMPORTER).ids
    codes = ["J06.9", "I10", "E11.9"]
    rows = [{"appointment_id": pk, "content": dict(content(codes[n % 3]), procedures=["89.00"])}
            for n, pk in enumerate(appointments)]
    with CaptureQueriesContext(connection) as queries:
        assert import_encounters(clinic, rows, actor=IMPORTER).count == 30
    code_queries = [q for q in queries.captured_queries if "records_code" in q["sql"]]
    assert 1 <= len(code_queries) <= 4 + 1, len(code_queries)  # three diagnoses and one procedure, first seen
