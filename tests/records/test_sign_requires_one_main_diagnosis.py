"""Only the visit's own doctor signs it, and only with exactly one main diagnosis."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klinika.records import services
from klinika.records.models import Encounter, EncounterVersion

pytestmark = pytest.mark.django_db


def _unsigned(encounter):
    encounter.refresh_from_db()
    version = EncounterVersion.objects.get(encounter=encounter)
    return encounter.status == "draft" and encounter.signed_at is None and version.signed_at is None


def test_signing_without_a_diagnosis_is_refused(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    visit["diagnoses"] = []
    with pytest.raises(ValidationError) as caught:
        services.sign(ctx.doctor_user, encounter.pk, visit)
    assert caught.value.message_dict == {"diagnoses": ["Add the main diagnosis (ICD-10) before signing."]}
    assert _unsigned(encounter)
    assert EncounterVersion.objects.get(encounter=encounter).content["interview"] == ""  # not even the text


def test_signing_without_a_main_diagnosis_is_refused(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    services.save_draft(ctx.doctor_user, encounter.pk, {**visit, "diagnoses": [{"code": "J06.9"}]})
    with pytest.raises(ValidationError) as caught:
        services.sign(ctx.doctor_user, encounter.pk)
    assert caught.value.message_dict == {"diagnoses": ["Mark exactly one diagnosis as the main one before signing."]}
    assert _unsigned(encounter)


def test_the_own_doctor_signs_with_one_main_diagnosis(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    services.sign(ctx.doctor_user, encounter.pk, visit)
    encounter.refresh_from_db()
    version = EncounterVersion.objects.get(encounter=encounter)
    assert encounter.status == Encounter.Status.SIGNED and encounter.signed_at is not None
    assert version.signed_at == encounter.signed_at and version.signed_by_id == ctx.doctor_user.pk


def test_another_doctor_may_neither_edit_nor_sign(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    for operation in (services.save_draft, services.sign):
        with pytest.raises(PermissionDenied) as caught:
            operation(ctx.users["doctor2"], encounter.pk, visit)
        assert "own practitioner" in str(caught.value)
    assert _unsigned(encounter)


@pytest.mark.parametrize("role", ["nurse", "registrar", "admin"])
def test_other_roles_may_not_write_a_visit(ctx, visit, role):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    with pytest.raises(PermissionDenied):
        services.save_draft(ctx.users[role], encounter.pk, visit)
    with pytest.raises(PermissionDenied):
        services.sign(ctx.users[role], encounter.pk, visit)
    assert _unsigned(encounter)
    assert EncounterVersion.objects.get(encounter=encounter).content["diagnoses"] == []
