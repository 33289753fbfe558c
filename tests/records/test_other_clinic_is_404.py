"""Ids of another clinic's visits, patients, allergies and files answer 404, never 403."""
import pytest
from django.urls import reverse

from klinika.records import services
from klinika.records.services import attachments
from klinika.tenancy.context import clinic_context
from tests.records import files
from tests.records.world import api_client, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_world, visit, file_store):
    with clinic_context(other_world.clinic):
        encounter = services.start_encounter(other_world.doctor_user, other_world.appointment().pk)
        services.sign(other_world.doctor_user, encounter.pk, visit)
        vitals = services.record_vitals(other_world.users["nurse"], other_world.woman.pk, {"pulse": 71})
        allergy = services.add_allergy(other_world.doctor_user, other_world.woman.pk, substance="Lateks")
        attachment = attachments.upload(other_world.doctor_user, other_world.woman.pk, files.upload(files.pdf()))
    return {"encounter": encounter, "appointment": encounter.appointment_id, "patient": other_world.woman.pk,
            "vitals": vitals, "allergy": allergy, "attachment": attachment}


def test_pages_answer_404(world, theirs):
    client = logged_in(world.doctor_user)
    e, p = theirs["encounter"].pk, theirs["patient"]
    for method, url, data in [
        ("get", reverse("records:encounter", args=[e]), {}),
        ("get", reverse("records:encounter-versions", args=[e]), {}),
        ("get", reverse("records:encounter-amend", args=[e]), {}),
        ("post", reverse("records:encounter-save", args=[e]), {"action": "sign", "diagnosis_code": "J06.9"}),
        ("post", reverse("records:start-from-appointment", args=[theirs["appointment"]]), {}),
        ("post", reverse("records:start-unplanned", args=[p]), {}),
        ("get", reverse("records:patient", args=[p]), {}),
        ("get", reverse("records:vitals", args=[p]), {}),
        ("post", reverse("records:vitals", args=[p]), {"pulse": "70"}),
        ("post", reverse("records:allergy-add", args=[p]), {"substance": "x"}),
        ("post", reverse("records:allergy-deactivate", args=[theirs["allergy"].pk]), {}),
        ("post", reverse("records:attachment-upload", args=[p]), {"file": files.as_post_file(files.pdf())}),
        ("get", reverse("records:attachment-download", args=[theirs["attachment"].public_id]), {}),
    ]:
        assert getattr(client, method)(url, data).status_code == 404, url


def test_api_answers_404(world, theirs):
    client = api_client(world.doctor_user)
    e, p, a = theirs["encounter"].pk, theirs["patient"], theirs["attachment"].public_id
    json = "application/json"
    assert client.get(f"/api/records/encounters/{e}").status_code == 404
    assert client.get(f"/api/records/encounters/{e}/versions").status_code == 404
    assert client.put(f"/api/records/encounters/{e}/draft", {}, content_type=json).status_code == 404
    assert client.post(f"/api/records/encounters/{e}/amendments", {"reason": "x"}, content_type=json).status_code == 404
    assert client.post("/api/records/encounters", {"appointment": theirs["appointment"]},
                       content_type=json).status_code == 404
    assert client.post("/api/records/encounters", {"patient": p}, content_type=json).status_code == 404
    assert client.get(f"/api/records/patients/{p}/summary").status_code == 404
    assert client.post(f"/api/records/patients/{p}/vitals", {"pulse": 70}, content_type=json).status_code == 404
    assert client.get(f"/api/records/attachments/{a}").status_code == 404
    assert client.get(f"/api/records/attachments/{a}/content").status_code == 404


def test_their_rows_cannot_be_referenced_from_our_records(world, theirs):
    with clinic_context(world.clinic):
        mine = services.start_encounter(world.doctor_user, patient_id=world.woman.pk)
        import pytest as _pytest
        from django.core.exceptions import ValidationError
        from django.http import Http404

        with _pytest.raises(ValidationError):  # their measurement as "the one corrected"
            services.record_vitals(world.users["nurse"], world.woman.pk, {"pulse": 70},
                                   supersedes_id=theirs["vitals"].pk)
        with _pytest.raises(ValidationError):  # their visit as the visit of our measurement
            services.record_vitals(world.users["nurse"], world.woman.pk, {"pulse": 70},
                                   encounter_id=theirs["encounter"].pk)
        with _pytest.raises(Http404):
            services.amend(world.doctor_user, theirs["encounter"].pk, {}, "x")
        assert mine.pk != theirs["encounter"].pk
