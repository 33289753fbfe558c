"""`klinika synth`: measurements at the visits, in ranges plausible for the patient's age and sex."""
import pytest
from django.utils import timezone

from klinika.records.models import Encounter, VitalSigns
from klinika.tenancy.context import clinic_context
from tests.testdata.synth_clinic_support import age_on, synth

pytestmark = pytest.mark.django_db

# Height (cm) a child from this age to the next band is very unlikely to be below or above (after WHO growth
# standards, both sexes).
HEIGHT_BOUNDS = [(0, 40, 84), (1, 64, 96), (2, 76, 104), (3, 84, 114), (4, 90, 122), (5, 96, 128), (6, 102, 138),
                 (8, 113, 150), (10, 122, 165), (12, 134, 180), (14, 142, 192), (16, 145, 198), (18, 145, 200)]


def height_bounds(age: int) -> tuple[int, int]:
    return next((low, high) for top, low, high in reversed(HEIGHT_BOUNDS) if age >= top)


def test_measurements_are_plausible_for_the_age_and_taken_at_the_visit():
    clinic = synth("Przychodnia Pomiarów", seed=11, patients=250)
    with clinic_context(clinic):
        visits = {e.pk: e for e in Encounter.objects.select_related("patient", "appointment")}
        rows = list(VitalSigns.objects.select_related("patient"))
    assert len(rows) > 0.5 * len(visits) > 50
    children = 0
    for row in rows:
        values, patient = row.values, row.patient
        visit = visits[row.encounter_id]
        assert visit.patient_id == patient.pk
        assert visit.appointment.starts_at <= row.recorded_at <= visit.appointment.ends_at
        age = age_on(patient.birth_date, timezone.localdate(row.recorded_at))
        if "pulse" in values:
            assert (45 if age >= 12 else 65) <= values["pulse"] <= (130 if age >= 12 else 180), (age, values)
        if "bp_systolic" in values:
            assert age >= 3
            assert values["bp_diastolic"] + 20 <= values["bp_systolic"]
            assert (85, 45) <= (values["bp_systolic"], values["bp_diastolic"]) <= (200, 120), values
            if age < 18:
                assert values["bp_systolic"] <= 140, (age, values)
        if "temperature" in values:
            assert 35.5 <= values["temperature"] <= 40.5
        if age < 18:
            children += 1
            assert {"weight_kg", "height_cm", "bmi"} <= set(values)  # every child is weighed and measured
        if "height_cm" in values:
            low, high = height_bounds(age)
            assert low <= values["height_cm"] <= high, (age, values)
            assert (10 if age < 18 else 16) <= values["bmi"] <= (30 if age < 18 else 48), (age, values)
        if "pregnancy_week" in values:
            assert patient.sex == "F" and 18 <= age <= 43 and 4 <= values["pregnancy_week"] <= 41
    assert children > 10
