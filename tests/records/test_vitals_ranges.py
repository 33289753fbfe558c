"""Measurements outside what a living patient can show are refused with the range; BMI is computed."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klinika.records import services
from klinika.records.models import VitalSigns

pytestmark = pytest.mark.django_db


def test_measurements_are_stored_and_bmi_is_computed(ctx):
    row = services.record_vitals(ctx.users["nurse"], ctx.woman.pk, {
        "bp_systolic": "128", "bp_diastolic": 82, "pulse": "72", "temperature": "36,6", "weight_kg": "64,5",
        "height_cm": "168"})
    assert VitalSigns.objects.get(pk=row.pk).values == {
        "bp_systolic": 128, "bp_diastolic": 82, "pulse": 72, "temperature": 36.6, "weight_kg": 64.5,
        "height_cm": 168.0, "bmi": 22.9}


@pytest.mark.parametrize("values, field, message", [
    ({"bp_systolic": 1200, "bp_diastolic": 80}, "bp_systolic",
     "Systolic blood pressure must be between 50 and 300 mmHg."),
    ({"bp_systolic": 120, "bp_diastolic": 10}, "bp_diastolic",
     "Diastolic blood pressure must be between 20 and 200 mmHg."),
    ({"bp_systolic": 80, "bp_diastolic": 120}, "bp_diastolic",
     "Diastolic pressure must be lower than systolic pressure."),
    ({"bp_systolic": 120}, "bp_systolic", "Enter both blood pressure values (systolic and diastolic)."),
    ({"pulse": 300}, "pulse", "Pulse must be between 20 and 250/min."),
    ({"pulse": "72.5"}, "pulse", "Pulse: enter a whole number."),
    ({"temperature": "46"}, "temperature", "Body temperature must be between 30 and 45 °C."),
    ({"temperature": "ciepło"}, "temperature", "Body temperature: enter a number."),
    ({"weight_kg": "0.1"}, "weight_kg", "Weight must be between 0.3 and 400 kg."),
    ({"height_cm": "300"}, "height_cm", "Height must be between 20 and 250 cm."),
    ({"pregnancy_week": "43"}, "pregnancy_week", "Week of pregnancy must be between 0 and 42."),
    ({"weight_kg": 70, "height_cm": 170, "bmi": 24.2}, "bmi",
     "BMI is computed from weight and height; it is not entered."),
    ({}, "__all__", "Enter at least one measurement."),
    ({"glucose": 5}, "__all__", "Unknown measurement: glucose."),
])
def test_a_value_out_of_range_is_refused_and_nothing_is_stored(ctx, values, field, message):
    with pytest.raises(ValidationError) as caught:
        services.record_vitals(ctx.users["nurse"], ctx.woman.pk, values)
    assert message in caught.value.message_dict[field]
    assert not VitalSigns.objects.exists()


@pytest.mark.parametrize("role", ["registrar", "admin", "dpo"])
def test_only_doctors_and_nurses_record_measurements(ctx, role):
    with pytest.raises(PermissionDenied):
        services.record_vitals(ctx.users[role], ctx.woman.pk, {"pulse": 70})
    assert not VitalSigns.objects.exists()


def test_a_doctor_records_measurements_in_a_visit(ctx):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.man.pk)
    row = services.record_vitals(ctx.doctor_user, ctx.man.pk, {"pulse": 64}, encounter_id=encounter.pk)
    assert row.encounter_id == encounter.pk
    with pytest.raises(ValidationError) as caught:  # a visit of another patient
        services.record_vitals(ctx.doctor_user, ctx.woman.pk, {"pulse": 64}, encounter_id=encounter.pk)
    assert caught.value.message_dict == {"encounter": ["Choose a visit of this patient."]}
