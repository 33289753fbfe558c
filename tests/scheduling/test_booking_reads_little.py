"""A booking reads what it checks and no more: the patient's and practitioner's status without
their encrypted columns, the few schedule rows around the one time, and appointments by time range
(on PostgreSQL through the no-overlap constraint's GiST index), never the whole day's slot layout."""
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.slots import find_free_slots
from klinika.tenancy.context import clinic_context
from tests.scheduling.world import build, next_weekday

pytestmark = pytest.mark.django_db


def _appointment_reads(captured):
    return [q["sql"] for q in captured
            if q["sql"].startswith("SELECT") and 'FROM "scheduling_appointment"' in q["sql"]]


def test_a_booking_reads_status_columns_and_the_slots_rows_only(clinic, people):
    world = build(clinic, people, patients=2)
    day = next_weekday(2)
    with clinic_context(clinic):
        slots = find_free_slots(visit_type=world.first_visit, practitioner=world.gyn, date_from=day, date_to=day)
        first = slots[0]
        second = next(s for s in slots if s.starts_at >= first.ends_at)
        registrar = world.users[Role.REGISTRAR]
        services.book(registrar, patient=world.patients[0].pk, practitioner=world.gyn.pk,
                      visit_type=world.first_visit.pk, starts_at=first.starts_at, reason="kontrola")
        with CaptureQueriesContext(connection) as captured, \
                CaptureQueriesContext(connections["keystore"]) as keystore:
            booked = services.book(registrar, patient=world.patients[1].pk, practitioner=world.gyn.pk,
                                   visit_type=world.first_visit.pk, starts_at=second.starts_at, reason="kontrola")
    assert booked.starts_at == second.starts_at and booked.reason == "kontrola"
    statements = [q["sql"] for q in captured]
    # one read before the transaction (patient, practitioner, visit type, horizon, any hold at this time,
    # the patient's other visits), one for the hours and exceptions at the time, the INSERT, the audit append
    assert len(statements) <= 8, "\n".join(statements)
    patient_reads = [s for s in statements if s.startswith("SELECT") and '"patients_patient"' in s]
    assert patient_reads and not any('"personal' in s or '"details' in s for s in patient_reads)
    assert not keystore.captured_queries  # the keys a booking needs are cached after the first one
    assert not any("staffmember" in s for s in statements)  # the practitioner's names stay sealed and unread
    reads = _appointment_reads(captured)
    assert reads  # the patient's own other visits
    if connection.vendor == "postgresql":
        assert all("tstzrange" in s or '"patient_id"' in s for s in reads)
    # the slot layout of find_free_slots (practitioners by specialty, every template of the day) is not run
    assert not any('"staff_practitioner_specialties"' in s for s in statements)


def test_the_free_slot_search_reads_appointments_by_range(clinic, people):
    world = build(clinic, people, patients=1)
    day = next_weekday(2)
    with clinic_context(clinic), CaptureQueriesContext(connection) as captured:
        find_free_slots(visit_type=world.first_visit, specialty="0724", date_from=day, date_to=day)
    (read,) = _appointment_reads(captured)
    if connection.vendor == "postgresql":
        # the no-overlap constraint's own expression and partial-index predicate: its GiST index answers it
        table = '"scheduling_appointment"'
        assert f"""tstzrange({table}."starts_at", {table}."ends_at", '[)') &&""" in read
        assert f"""NOT ({table}."status" = 'cancelled')""" in read
    else:
        assert '"ends_at" >' in read and '"starts_at" <' in read
