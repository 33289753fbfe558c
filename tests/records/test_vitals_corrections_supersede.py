"""A correction is a new row that supersedes the old one; the old one stays on record."""
import pytest
from django.core.exceptions import ValidationError

from klinika.records import services
from klinika.records.models import VitalSigns
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db


def test_a_correction_replaces_the_current_values_and_keeps_the_old(ctx):
    nurse = ctx.users["nurse"]
    wrong = services.record_vitals(nurse, ctx.woman.pk, {"bp_systolic": 210, "bp_diastolic": 80})
    fixed = services.record_vitals(nurse, ctx.woman.pk, {"bp_systolic": 120, "bp_diastolic": 80},
                                   supersedes_id=wrong.pk)
    assert fixed.supersedes_id == wrong.pk
    _patient, current = services.current_vitals(nurse, ctx.woman.pk)
    assert [r.pk for r in current] == [fixed.pk]
    assert VitalSigns.objects.get(pk=wrong.pk).values["bp_systolic"] == 210  # kept, only superseded


def test_a_row_is_corrected_once_and_only_for_its_own_patient(ctx):
    nurse = ctx.users["nurse"]
    first = services.record_vitals(nurse, ctx.woman.pk, {"pulse": 180})
    services.record_vitals(nurse, ctx.woman.pk, {"pulse": 80}, supersedes_id=first.pk)
    with pytest.raises(ValidationError) as caught:
        services.record_vitals(nurse, ctx.woman.pk, {"pulse": 81}, supersedes_id=first.pk)
    assert "already corrected" in caught.value.message_dict["supersedes"][0]
    with pytest.raises(ValidationError) as caught:
        services.record_vitals(nurse, ctx.man.pk, {"pulse": 81}, supersedes_id=first.pk)
    assert caught.value.message_dict == {"supersedes": ["Choose a measurement of this patient to correct."]}
    assert VitalSigns.objects.count() == 2


def test_the_nurse_corrects_through_the_page(world):
    client = logged_in(world.users["nurse"])
    url = f"/records/patients/{world.woman.pk}/vitals/"
    assert client.post(url, {"pulse": "150"}).status_code == 302
    from klinika.tenancy.context import clinic_context

    with clinic_context(world.clinic):
        first = VitalSigns.objects.get()
    form = client.get(f"{url}?correct={first.pk}").content.decode()
    assert f'name="supersedes" value="{first.pk}"' in form and 'value="150"' in form
    assert client.post(url, {"pulse": "75", "supersedes": first.pk}).status_code == 302
    with clinic_context(world.clinic):
        newest = VitalSigns.objects.get(supersedes=first)
    bad = client.post(url, {"pulse": "7500", "supersedes": newest.pk})
    assert bad.status_code == 400 and "Pulse must be between 20 and 250/min." in bad.content.decode()
    with clinic_context(world.clinic):
        assert VitalSigns.objects.count() == 2
