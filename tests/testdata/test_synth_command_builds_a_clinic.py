"""`klinika synth`: a clinic whose appointments follow the weekly hours, never overlap, and look like a desk's."""
import datetime
import statistics

import pytest
from django.utils import timezone

from klinika.audit.models import AuditEvent
from klinika.audit.verify import verify
from klinika.crypto.models import DataKey
from klinika.patients.cleaning import clean_patient_data
from klinika.patients.models import Patient
from klinika.patients.services import patient_values, search_patients
from klinika.scheduling.models import Appointment, WeeklyAvailability
from klinika.staff.models import Practitioner
from klinika.tenancy.context import clinic_context
from tests.scheduling.overlap_sql import overlapping_pairs
from tests.testdata.synth_clinic_support import synth

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(django_user_model):
    clinic = synth("Przychodnia Syntetyczna")
    registrar = django_user_model.objects.create_user("rejestracja-synth", "x-correct-horse", role="registrar",
                                                      clinic=clinic)
    return clinic, registrar


def test_appointments_follow_the_weekly_hours_and_never_overlap(built):
    clinic, _registrar = built
    assert overlapping_pairs() == 0  # asked of the database in SQL
    with clinic_context(clinic):
        hours = {}
        for block in WeeklyAvailability.objects.all():
            hours.setdefault(block.practitioner_id, []).append(block)
        appointments = list(Appointment.objects.defer("reason", "cancel_reason"))
        assert len(appointments) > 500
        for appointment in appointments:
            start = timezone.localtime(appointment.starts_at)
            end = timezone.localtime(appointment.ends_at)
            assert any(b.weekday == start.weekday() and b.valid_from <= start.date()
                       and b.start_time <= start.time() and end.time() <= b.end_time
                       for b in hours[appointment.practitioner_id]), appointment.pk
        for practitioner, blocks in hours.items():  # the hours themselves never overlap
            days = [b.weekday for b in blocks]
            assert len(days) == len(set(days)), practitioner


def test_rates_and_lead_times_are_a_desks(built):
    clinic, _registrar = built
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    with clinic_context(clinic):
        rows = list(Appointment.objects.values_list("status", "starts_at", "created_at"))
    past = [r for r in rows if r[1] < midnight]
    cancelled = sum(1 for r in past if r[0] == "cancelled") / len(past)
    held = [r for r in past if r[0] != "cancelled"]
    no_show = sum(1 for r in held if r[0] == "no_show") / len(held)
    assert 0.06 <= cancelled <= 0.14 and 0.035 <= no_show <= 0.095, (cancelled, no_show)
    assert {r[0] for r in past} == {"completed", "no_show", "cancelled"}
    assert {r[0] for r in rows if r[1] > midnight} <= {"booked", "cancelled"}
    leads = [(start - booked).total_seconds() / 86400 for _s, start, booked in rows]
    assert min(leads) > 0
    assert 0.65 <= sum(1 <= d <= 30 for d in leads) / len(leads) <= 0.95
    assert 2 <= statistics.median(leads) <= 15
    assert any(start < midnight - datetime.timedelta(days=300) for _s, start, _b in rows)  # a year of history
    assert any(start > midnight + datetime.timedelta(days=14) for _s, start, _b in rows)   # and the next weeks


def test_patients_pass_the_desk_are_found_keyed_and_audited(built):
    clinic, registrar = built
    with clinic_context(clinic):
        patients = list(Patient.objects.order_by("pk"))
        assert len(patients) == 300
        by_pk = {p.pk: p for p in patients}
        for patient in patients:
            values = patient_values(patient)
            clean_patient_data(values)  # what the desk would accept on saving the card unchanged
            if patient.guardian_id:
                assert by_pk[patient.guardian_id].age >= 18 and patient.guardian_id < patient.pk
        someone = next(p for p in patients if p.pesel and not p.pesel_is_mothers)
        assert someone.pk in [hit.patient.pk for hit in search_patients(registrar, someone.pesel).hits]
        assert someone.pk in [hit.patient.pk for hit in search_patients(registrar, someone.last_name).hits]
        assert Practitioner.objects.count() >= 4
        refs = {p.subject_ref for p in patients}
        imported = AuditEvent.objects.filter(action="create", reason="imported")
        assert imported.filter(object_type="patient").count() == 300
        assert imported.filter(object_type="appointment").count() == Appointment.objects.count()
    keys = DataKey.objects.using("keystore").filter(clinic_id=clinic.id, purpose="subject", subject_ref__in=refs)
    assert keys.count() == 300
    assert verify(clinic.pk).ok


def test_completed_visits_with_doctors_have_signed_records_that_fit_the_patient(built):
    from klinika.records.models import Encounter, EncounterVersion

    clinic, _registrar = built
    with clinic_context(clinic):
        with_doctors = Appointment.objects.filter(status="completed", practitioner__profession="doctor")
        encounters = list(Encounter.objects.select_related("patient", "current", "appointment"))
        assert len(encounters) == with_doctors.count() > 100
        assert not Encounter.objects.exclude(appointment__status="completed").exists()
        for encounter in encounters:
            version = encounter.current
            assert encounter.status == "signed" and version.signed_at == encounter.signed_at
            assert encounter.signed_at > encounter.appointment.ends_at and version.created_at == encounter.started_at
            [main] = [d for d in version.content["diagnoses"] if d["main"]]
            patient = encounter.patient
            age = patient.age_on(encounter.started_at.date())
            if main["code"].startswith(("Z32", "Z33", "Z34", "Z35", "O")):
                assert patient.sex == "F" and 15 <= age <= 50, (main["code"], patient.sex, age)
            if main["code"].startswith("N95"):
                assert patient.sex == "F"
            if main["code"] == "Z00.1":
                assert age < 18
            assert main["name"]  # named from the code list
        assert EncounterVersion.objects.filter(signed_at__isnull=True).count() == 0
        assert AuditEvent.objects.filter(action="create", reason="imported", object_type="encounter").count() == len(
            encounters)
