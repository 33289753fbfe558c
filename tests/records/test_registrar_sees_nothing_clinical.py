"""Roles without clinical access get 403 on every visit-record page and API call, with nothing rendered."""
import pytest
from django.urls import reverse

from klinika.records import services
from klinika.records.services import attachments
from klinika.tenancy.context import clinic_context
from tests.records import files
from tests.records.world import api_client, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(world, visit, file_store):
    with clinic_context(world.clinic):
        encounter = services.start_encounter(world.doctor_user, patient_id=world.woman.pk)
        services.sign(world.doctor_user, encounter.pk, visit)
        vitals = services.record_vitals(world.users["nurse"], world.woman.pk, {"pulse": 71})
        allergy = services.add_allergy(world.doctor_user, world.woman.pk, substance="Penicylina", reaction="wysypka")
        attachment = attachments.upload(world.doctor_user, world.woman.pk, files.upload(files.pdf()))
    return {"encounter": encounter, "vitals": vitals, "allergy": allergy, "attachment": attachment}


def _pages(world, record):
    e, p = record["encounter"].pk, world.woman.pk
    return [
        ("get", reverse("records:encounter", args=[e]), {}),
        ("get", reverse("records:encounter-versions", args=[e]), {}),
        ("get", reverse("records:encounter-amend", args=[e]), {}),
        ("post", reverse("records:encounter-save", args=[e]), {"interview": "x", "action": "save"}),
        ("post", reverse("records:start-from-appointment", args=[world.appointment().pk]), {}),
        ("post", reverse("records:start-unplanned", args=[p]), {}),
        ("get", reverse("records:patient", args=[p]), {}),
        ("get", reverse("records:vitals", args=[p]), {}),
        ("post", reverse("records:vitals", args=[p]), {"pulse": "70"}),
        ("post", reverse("records:allergy-add", args=[p]), {"substance": "Lateks"}),
        ("post", reverse("records:allergy-deactivate", args=[record["allergy"].pk]), {}),
        ("post", reverse("records:attachment-upload", args=[p]), {"file": files.as_post_file(files.pdf())}),
        ("get", reverse("records:attachment-download", args=[record["attachment"].public_id]), {}),
        ("post", reverse("records:code-search"), {"system": "icd10", "q": "j06"}),
        ("post", reverse("records:code-row"), {"system": "icd10", "code": "J06.9"}),
    ]


def _api(world, record):
    e, p, a = record["encounter"].pk, world.woman.pk, record["attachment"].public_id
    return [
        ("get", f"/api/records/encounters/{e}", None),
        ("get", f"/api/records/encounters/{e}/versions", None),
        ("post", "/api/records/encounters", {"patient": p}),
        ("put", f"/api/records/encounters/{e}/draft", {"interview": "x"}),
        ("post", f"/api/records/encounters/{e}/sign", None),
        ("post", f"/api/records/encounters/{e}/amendments", {"interview": "x", "reason": "y"}),
        ("get", f"/api/records/patients/{p}/summary", None),
        ("get", f"/api/records/patients/{p}/vitals", None),
        ("post", f"/api/records/patients/{p}/vitals", {"pulse": 70}),
        ("get", f"/api/records/patients/{p}/allergies", None),
        ("post", f"/api/records/patients/{p}/allergies", {"substance": "Lateks"}),
        ("get", f"/api/records/patients/{p}/attachments", None),
        ("get", f"/api/records/attachments/{a}", None),
        ("get", f"/api/records/attachments/{a}/content", None),
        ("get", "/api/records/codes?q=j06", None),
    ]


CLINICAL_STRINGS = ["Ból gardła", "J06.9", "Penicylina", "wysypka", "%PDF", "Ostra infekcja"]


@pytest.mark.parametrize("role", ["registrar", "admin", "dpo"])
def test_every_page_refuses_with_403_and_shows_nothing(world, record, role):
    client = logged_in(world.users[role])
    for method, url, data in _pages(world, record):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        body = response.content.decode(errors="replace")
        assert not [s for s in CLINICAL_STRINGS if s in body], url


@pytest.mark.parametrize("role", ["registrar", "admin", "dpo"])
def test_every_api_call_refuses_with_403(world, record, role):
    client = api_client(world.users[role])
    for method, url, payload in _api(world, record):
        kwargs = {"data": payload, "content_type": "application/json"} if method in ("post", "put") else {}
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == 403, url
        assert not [s for s in CLINICAL_STRINGS if s in response.content.decode(errors="replace")], url


def test_nothing_changed_after_the_refusals(world, record):
    for role in ("registrar", "admin"):
        client = logged_in(world.users[role])
        for method, url, data in _pages(world, record):
            getattr(client, method)(url, data)
    with clinic_context(world.clinic):
        _p, allergies = services.active_allergies(world.doctor_user, world.woman.pk)
        assert [a.substance for a in allergies] == ["Penicylina"]
        _p, vitals = services.current_vitals(world.doctor_user, world.woman.pk)
        assert [v.pk for v in vitals] == [record["vitals"].pk]
        from klinika.records.models import Encounter

        assert Encounter.objects.count() == 1


def test_the_dashboard_offers_registrars_no_clinical_action(world):
    page = logged_in(world.users["registrar"]).get("/")
    assert "records.view_clinical" not in {name for name, _label in page.context["actions"]}
