"""Allergies: recorded by doctors and nurses, kept when no longer active, refused when empty."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klinika.records import services
from klinika.records.models import Allergy
from tests.records.world import api_client

pytestmark = pytest.mark.django_db


def test_an_allergy_is_listed_until_marked_inactive(ctx):
    allergy = services.add_allergy(ctx.users["nurse"], ctx.woman.pk, substance=" Penicylina ", reaction="pokrzywka",
                                   severity="severe")
    assert [a.substance for a in services.active_allergies(ctx.doctor_user, ctx.woman.pk)[1]] == ["Penicylina"]
    services.deactivate_allergy(ctx.doctor_user, allergy.pk)
    assert services.active_allergies(ctx.doctor_user, ctx.woman.pk)[1] == []
    assert Allergy.objects.get(pk=allergy.pk).substance == "Penicylina"  # kept on record


@pytest.mark.parametrize("fields, field", [
    ({"substance": "  "}, "substance"),
    ({"substance": "x" * 201}, "substance"),
    ({"substance": "Lateks", "severity": "deadly"}, "severity"),
    ({"substance": "Lateks", "reaction": "r" * 501}, "reaction"),
])
def test_bad_input_is_refused_and_nothing_is_stored(ctx, fields, field):
    with pytest.raises(ValidationError) as caught:
        services.add_allergy(ctx.doctor_user, ctx.woman.pk, **fields)
    assert field in caught.value.message_dict
    assert not Allergy.objects.exists()


def test_a_registrar_records_no_allergy(ctx):
    with pytest.raises(PermissionDenied):
        services.add_allergy(ctx.users["registrar"], ctx.woman.pk, substance="Lateks")
    assert not Allergy.objects.exists()


def test_the_api_lists_and_adds(world):
    client = api_client(world.users["nurse"])
    created = client.post(f"/api/records/patients/{world.woman.pk}/allergies",
                          {"substance": "Orzechy", "severity": "moderate"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["substance"] == "Orzechy"
    bad = client.post(f"/api/records/patients/{world.woman.pk}/allergies", {"substance": ""},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"]["substance"]
    listed = client.get(f"/api/records/patients/{world.woman.pk}/allergies").json()
    assert [a["substance"] for a in listed] == ["Orzechy"]
