"""Every code of a visit is checked against the code list; an unknown one is named and nothing is stored."""
import pytest
from django.core.exceptions import ValidationError

from klinika.records import services
from klinika.records.models import EncounterVersion

pytestmark = pytest.mark.django_db


def _draft(ctx):
    return services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)


def test_a_draft_is_stored_with_the_names_from_the_code_list(ctx, visit):
    encounter = _draft(ctx)
    services.save_draft(ctx.doctor_user, encounter.pk, visit)
    content = EncounterVersion.objects.get(encounter=encounter).content
    assert content["interview"] == visit["interview"]
    assert content["diagnoses"] == [
        {"code": "J06.9", "name": "Ostra infekcja górnych dróg oddechowych", "main": True},
        {"code": "R50.9", "name": "Gorączka", "main": False}]
    assert content["procedures"] == [{"code": "89.00", "name": "Porada lekarska"}]


def test_codes_are_accepted_as_doctors_type_them(ctx, visit):
    encounter = _draft(ctx)
    visit["diagnoses"] = [{"code": " j069 ", "main": True}, "r50.9"]
    visit["procedures"] = ["89,00"]
    services.save_draft(ctx.doctor_user, encounter.pk, visit)
    content = EncounterVersion.objects.get(encounter=encounter).content
    assert [d["code"] for d in content["diagnoses"]] == ["J06.9", "R50.9"]
    assert content["procedures"][0]["code"] == "89.00"


@pytest.mark.parametrize("field, entry, message", [
    ("diagnoses", {"code": "X99.9", "main": True}, "Unknown ICD-10 code: X99.9."),
    ("diagnoses", {"code": "J06.99"}, "Unknown ICD-10 code: J06.99."),
    ("diagnoses", {"code": "not a code"}, "Unknown ICD-10 code: NOT.ACODE."),
    ("procedures", {"code": "99.99"}, "Unknown ICD-9-PL code: 99.99."),
])
def test_an_unknown_code_is_named_and_nothing_changes(ctx, visit, field, entry, message):
    encounter = _draft(ctx)
    visit[field] = visit[field] + [entry]
    with pytest.raises(ValidationError) as caught:
        services.save_draft(ctx.doctor_user, encounter.pk, visit)
    assert any(m.startswith(message) for m in caught.value.message_dict[field])
    assert EncounterVersion.objects.get(encounter=encounter).content["diagnoses"] == []


def test_two_main_diagnoses_and_repeated_codes_are_refused(ctx, visit):
    encounter = _draft(ctx)
    visit["diagnoses"] = [{"code": "J06.9", "main": True}, {"code": "R50.9", "main": True}, {"code": "J06.9"}]
    with pytest.raises(ValidationError) as caught:
        services.save_draft(ctx.doctor_user, encounter.pk, visit)
    messages = caught.value.message_dict["diagnoses"]
    assert "J06.9 is listed twice." in messages and "Only one diagnosis can be the main one." in messages


def test_overlong_notes_are_refused_with_the_limit(ctx, visit):
    encounter = _draft(ctx)
    visit["interview"] = "x" * 20_001
    with pytest.raises(ValidationError) as caught:
        services.save_draft(ctx.doctor_user, encounter.pk, visit)
    assert caught.value.message_dict["interview"] == ["At most 20000 characters (this has 20001)."]
    assert EncounterVersion.objects.get(encounter=encounter).content["interview"] == ""
