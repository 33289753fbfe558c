"""A week of pregnancy (0–42) is recorded for female patients only."""
import pytest
from django.core.exceptions import ValidationError

from klinika.records import services
from klinika.records.models import VitalSigns
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db


def test_a_womans_week_of_pregnancy_is_recorded(ctx):
    row = services.record_vitals(ctx.users["nurse"], ctx.woman.pk, {"pregnancy_week": "24", "weight_kg": "70"})
    assert VitalSigns.objects.get(pk=row.pk).values == {"pregnancy_week": 24, "weight_kg": 70.0}


def test_a_male_patient_has_no_week_of_pregnancy(ctx):
    with pytest.raises(ValidationError) as caught:
        services.record_vitals(ctx.users["nurse"], ctx.man.pk, {"pregnancy_week": "12", "pulse": 70})
    assert caught.value.message_dict == {
        "pregnancy_week": ["A week of pregnancy can be recorded only for a female patient."]}
    assert not VitalSigns.objects.exists()


def test_the_form_offers_the_field_for_women_only(world):
    client = logged_in(world.users["nurse"])
    assert 'name="pregnancy_week"' in client.get(f"/records/patients/{world.woman.pk}/vitals/").content.decode()
    assert 'name="pregnancy_week"' not in client.get(f"/records/patients/{world.man.pk}/vitals/").content.decode()
