"""An amendment is a new signed version with author, time and reason; every earlier version stays readable."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klinika.records import services
from klinika.records.models import Encounter, EncounterVersion
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    return services.sign(ctx.doctor_user, encounter.pk, visit)


def test_each_amendment_is_a_new_signed_version_and_the_old_ones_stay(ctx, signed, visit):
    second = services.amend(ctx.doctor_user, signed.pk, {**visit, "recommendations": "Kontrola za tydzień."},
                            "dopisano zalecenie kontroli")
    third = services.amend(ctx.users["doctor2"], signed.pk,
                           {**visit, "diagnoses": [{"code": "J02.9", "main": True}]}, "korekta rozpoznania")
    encounter, versions = services.encounter_versions(ctx.doctor_user, signed.pk)
    assert [v.number for v in versions] == [1, 2, 3]
    assert encounter.current_id == third.pk and encounter.status == Encounter.Status.SIGNED
    assert all(v.signed_at is not None for v in versions)
    assert versions[0].content["recommendations"] == visit["recommendations"]
    assert versions[1].content["recommendations"] == "Kontrola za tydzień."
    assert versions[1].author_id == ctx.doctor_user.pk and versions[1].amendment_reason == "dopisano zalecenie kontroli"
    assert versions[2].author_id == ctx.users["doctor2"].pk and versions[2].signed_by_id == ctx.users["doctor2"].pk
    assert versions[2].content["diagnoses"][0]["code"] == "J02.9"
    assert second.created_at <= third.created_at


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_an_amendment_needs_a_reason(ctx, signed, visit, reason):
    with pytest.raises(ValidationError) as caught:
        services.amend(ctx.doctor_user, signed.pk, {**visit, "interview": "nowy"}, reason)
    assert caught.value.message_dict == {"reason": ["Say why the record is amended."]}
    assert EncounterVersion.objects.filter(encounter=signed).count() == 1


def test_an_amendment_follows_the_signing_rules_and_must_change_something(ctx, signed, visit):
    with pytest.raises(ValidationError) as caught:
        services.amend(ctx.doctor_user, signed.pk, {**visit, "diagnoses": []}, "usunięcie rozpoznań")
    assert "before signing" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        services.amend(ctx.doctor_user, signed.pk, visit, "bez zmian")
    assert caught.value.messages == ["The amendment changes nothing in the visit record."]
    assert EncounterVersion.objects.filter(encounter=signed).count() == 1


def test_a_draft_is_edited_not_amended_and_nurses_do_not_amend(ctx, signed, visit):
    draft = services.start_encounter(ctx.doctor_user, patient_id=ctx.man.pk)
    with pytest.raises(ValidationError):
        services.amend(ctx.doctor_user, draft.pk, visit, "x")
    with pytest.raises(PermissionDenied):
        services.amend(ctx.users["nurse"], signed.pk, {**visit, "interview": "n"}, "x")
    assert EncounterVersion.objects.filter(encounter=signed).count() == 1


def test_the_history_page_shows_every_version_with_author_and_reason(world, visit):
    from klinika.tenancy.context import clinic_context

    with clinic_context(world.clinic):
        encounter = services.start_encounter(world.doctor_user, patient_id=world.woman.pk)
        services.sign(world.doctor_user, encounter.pk, visit)
    client = logged_in(world.doctor_user)
    page = client.post(f"/records/encounters/{encounter.pk}/amend/", {
        "interview": "Wywiad uzupełniony", "examination": visit["examination"],
        "recommendations": visit["recommendations"], "diagnosis_code": ["J06.9", "R50.9"],
        "main_diagnosis": "J06.9", "procedure_code": ["89.00"], "reason": "uzupełnienie wywiadu"})
    assert page.status_code == 302
    history = client.get(f"/records/encounters/{encounter.pk}/versions/").content.decode()
    assert "Wywiad uzupełniony" in history and visit["interview"] in history
    assert "uzupełnienie wywiadu" in history and world.doctor_user.username in history


def test_the_amend_form_without_a_reason_says_so(world, visit):
    from klinika.tenancy.context import clinic_context

    with clinic_context(world.clinic):
        encounter = services.start_encounter(world.doctor_user, patient_id=world.woman.pk)
        services.sign(world.doctor_user, encounter.pk, visit)
    page = logged_in(world.doctor_user).post(f"/records/encounters/{encounter.pk}/amend/", {
        "interview": "inny", "diagnosis_code": ["J06.9"], "main_diagnosis": "J06.9", "reason": ""})
    assert page.status_code == 400
    assert "Say why the record is amended." in page.content.decode()
