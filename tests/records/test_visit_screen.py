"""The doctor's visit screen: summary on top, the visit form with type-ahead, sign, amend, the e-document slots."""
import pytest

from klinika.records import services
from klinika.records.models import Encounter, EncounterVersion
from klinika.tenancy.context import clinic_context
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db
NASTY = "<script>alert('x')</script>"


@pytest.fixture
def draft(world):
    with clinic_context(world.clinic):
        return services.start_encounter(world.doctor_user, world.appointment().pk)


def _form(**overrides):
    data = {"interview": "Kaszel od tygodnia", "examination": "Osłuchowo szmer pęcherzykowy prawidłowy",
            "recommendations": "Kontrola za 7 dni", "diagnosis_code": ["J20.9", "R05"], "main_diagnosis": "J20.9",
            "procedure_code": ["89.00"], "action": "save"}
    return data | overrides


def test_the_screen_shows_summary_form_and_slots(world, draft):
    page = logged_in(world.doctor_user).get(f"/records/encounters/{draft.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    for text in ["Patient summary", "Active problems", "Recent visits", "Allergies", "Save draft", "Sign",
                 'name="icd10_q"', 'hx-post="/records/codes/search/"', "Measurements"]:
        assert text in body, text
    assert f'hx-get="/edocs/patients/{world.woman.pk}/current/" hx-trigger="load"' in body
    assert f'hx-get="/edocs/encounters/{draft.pk}/panel/" hx-trigger="load"' in body
    assert "<script>" not in body.replace('<script src="/static/web/htmx.min.js" defer></script>', "")
    assert " style=" not in body and " onclick=" not in body


def test_saving_a_draft_and_signing_through_the_form(world, draft):
    client = logged_in(world.doctor_user)
    url = f"/records/encounters/{draft.pk}/save/"
    assert client.post(url, _form()).status_code == 302
    with clinic_context(world.clinic):
        content = EncounterVersion.objects.get(encounter=draft).content
    assert [d["code"] for d in content["diagnoses"] if d["main"]] == ["J20.9"]
    assert client.post(url, _form(action="sign")).status_code == 302
    with clinic_context(world.clinic):
        assert Encounter.objects.get(pk=draft.pk).status == "signed"
    page = client.get(f"/records/encounters/{draft.pk}/").content.decode()
    assert "Amend" in page and "Save draft" not in page and "Kaszel od tygodnia" in page


def test_a_typed_code_is_taken_and_a_bad_one_is_named(world, draft):
    client = logged_in(world.doctor_user)
    url = f"/records/encounters/{draft.pk}/save/"
    response = client.post(url, _form(diagnosis_code=[], main_diagnosis="", icd10_q="j069"))
    assert response.status_code == 302
    half_typed = client.post(url, _form(diagnosis_code=["J06.9"], main_diagnosis="J06.9", icd10_q="j06"))
    assert half_typed.status_code == 302  # a search in progress is not a diagnosis
    bad = client.post(url, _form(diagnosis_code=["J20.9", "Q99.99"]))
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Unknown ICD-10 code: Q99.99." in body and "Kaszel od tygodnia" in body  # what was typed is kept
    with clinic_context(world.clinic):
        assert [d["code"] for d in EncounterVersion.objects.get(encounter=draft).content["diagnoses"]] == ["J06.9"]


def test_signing_without_a_main_diagnosis_says_so_on_the_page(world, draft):
    response = logged_in(world.doctor_user).post(f"/records/encounters/{draft.pk}/save/",
                                                 _form(action="sign", main_diagnosis=""))
    assert response.status_code == 400
    assert "Mark exactly one diagnosis as the main one before signing." in response.content.decode()
    with clinic_context(world.clinic):
        assert Encounter.objects.get(pk=draft.pk).status == "draft"


def test_names_and_notes_round_trip_escaped(world):
    patient = world.patient(first_name="Anna-Maria", last_name=f"O'Brien-Żółć {NASTY}", sex="F")
    with clinic_context(world.clinic):
        encounter = services.start_encounter(world.doctor_user, patient_id=patient.pk)
        services.sign(world.doctor_user, encounter.pk, {
            "interview": f"Pacjentka mówi: {NASTY} & „cudzysłów”", "diagnoses": [{"code": "J06.9", "main": True}]})
        services.add_allergy(world.doctor_user, patient.pk, substance=f"Penicylina {NASTY}")
    client = logged_in(world.doctor_user)
    for url in (f"/records/encounters/{encounter.pk}/", f"/records/patients/{patient.pk}/",
                f"/records/encounters/{encounter.pk}/versions/"):
        body = client.get(url).content.decode()
        assert NASTY not in body, url
        assert "O&#x27;Brien-Żółć &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body, url
    body = client.get(f"/records/encounters/{encounter.pk}/").content.decode()
    assert "Pacjentka mówi: &lt;script&gt;" in body and "&amp; „cudzysłów”" in body
    assert "Penicylina &lt;script&gt;" in body


def test_another_doctor_reads_the_draft_but_cannot_edit_it(world, draft):
    page = logged_in(world.users["doctor2"]).get(f"/records/encounters/{draft.pk}/").content.decode()
    assert "only they can edit and sign it" in page and "Save draft" not in page


def test_the_nurse_sees_the_measurements_form_only(world, draft, visit):
    with clinic_context(world.clinic):
        services.save_draft(world.doctor_user, draft.pk, visit)
        services.add_allergy(world.doctor_user, world.woman.pk, substance="Lateks")
    client = logged_in(world.users["nurse"])
    body = client.get(f"/records/encounters/{draft.pk}/").content.decode()
    assert 'name="bp_systolic"' in body and "Record measurements" in body
    for hidden in [visit["interview"], "J06.9", "Patient summary", "Save draft", "Lateks", "/edocs/"]:
        assert hidden not in body, hidden
    response = client.post(f"/records/patients/{world.woman.pk}/vitals/",
                           {"encounter": draft.pk, "bp_systolic": "118", "bp_diastolic": "76"})
    assert response.status_code == 302 and response["Location"] == f"/records/encounters/{draft.pk}/"
    bad = client.post(f"/records/patients/{world.woman.pk}/vitals/", {"encounter": draft.pk, "pulse": "5"})
    assert bad.status_code == 400 and "Pulse must be between 20 and 250/min." in bad.content.decode()
    assert visit["interview"] not in bad.content.decode()


def test_the_screen_is_polish_by_default(world, draft):
    body = logged_in(world.doctor_user, language="pl").get(f"/records/encounters/{draft.pk}/").content.decode()
    assert "Podsumowanie pacjenta" in body and "Zapisz szkic" in body and "Podpisz" in body


def test_the_patient_chart_for_a_doctor_and_for_a_nurse(world, draft, visit):
    with clinic_context(world.clinic):
        services.sign(world.doctor_user, draft.pk, visit)
    doctor = logged_in(world.doctor_user).get(f"/records/patients/{world.woman.pk}/").content.decode()
    for text in ["Patient summary", "Start an unplanned visit", "J06.9", "Allergies", "Scans and laboratory results"]:
        assert text in doctor, text
    nurse = logged_in(world.users["nurse"]).get(f"/records/patients/{world.woman.pk}/").content.decode()
    for text in ["Allergies", "Scans and laboratory results", "Measurements"]:
        assert text in nurse, text
    for text in ["Patient summary", "Start an unplanned visit", "J06.9", visit["interview"]]:
        assert text not in nurse, text
