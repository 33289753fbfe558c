"""The visit screen saves the draft on its own while the doctor types: stored as "Save draft" stores it
(encrypted under the patient's key, audited as an update), under the same policy, answering JSON so the
screen says "saved" only when it was. A save that changes nothing writes and records nothing."""
import logging

import pytest
from django.urls import reverse

from klinika.audit.models import AuditEvent
from klinika.records import services
from klinika.records.models import EncounterVersion
from klinika.tenancy.context import clinic_context
from tests.records.world import logged_in, raw_rows

pytestmark = pytest.mark.django_db
NOTE = "Duszność wysiłkowa od wtorku, obrzęki podudzi"


@pytest.fixture
def draft(world):
    with clinic_context(world.clinic):
        return services.start_encounter(world.doctor_user, world.appointment().pk)


def _url(encounter):
    return reverse("records:encounter-autosave", args=[encounter.pk])


def _stored(world, encounter):
    with clinic_context(world.clinic):
        return EncounterVersion.objects.get(encounter=encounter).content


def _events(world, encounter):
    with clinic_context(world.clinic):
        return list(AuditEvent.objects.filter(object_type="encounter", object_id=str(encounter.pk), action="update")
                    .values_list("reason", flat=True))


def test_the_draft_is_stored_and_the_reopened_visit_shows_it(world, draft):
    client = logged_in(world.doctor_user)
    answer = client.post(_url(draft), {"interview": NOTE, "diagnosis_code": ["J06.9"], "icd10_q": "gorą"},
                         HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    body = answer.json()
    assert body["saved"] is True and body["changed"] is True
    assert body["message"].startswith("Draft saved at ") and body["at"]
    stored = _stored(world, draft)
    assert stored["interview"] == NOTE
    assert [d["code"] for d in stored["diagnoses"]] == ["J06.9"]
    page = client.get(reverse("records:encounter", args=[draft.pk])).content.decode()
    assert NOTE in page
    assert f'data-autosave-url="{_url(draft)}"' in page and 'id="draft-status"' in page


def test_one_audit_event_per_stored_change_and_none_for_a_repeat(world, draft):
    client = logged_in(world.doctor_user)
    before = _events(world, draft)
    client.post(_url(draft), {"interview": NOTE})
    client.post(_url(draft), {"interview": NOTE})  # nothing new typed: nothing written, nothing recorded
    repeat = client.post(_url(draft), {"interview": NOTE}).json()
    assert repeat["saved"] is True and repeat["changed"] is False
    client.post(_url(draft), {"interview": NOTE + "."})
    assert _events(world, draft)[len(before):] == ["draft autosaved", "draft autosaved"]


def test_another_clinics_visit_is_404(world, other_world):
    with clinic_context(other_world.clinic):
        theirs = services.start_encounter(other_world.doctor_user, other_world.appointment().pk)
    response = logged_in(world.doctor_user).post(_url(theirs), {"interview": NOTE})
    assert response.status_code == 404
    assert _stored(other_world, theirs)["interview"] == ""


@pytest.mark.parametrize("who", ["nurse", "registrar", "doctor2"])
def test_who_may_not_edit_the_visit_gets_403_and_changes_nothing(world, draft, who):
    response = logged_in(world.users[who]).post(_url(draft), {"interview": NOTE}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert response.json()["saved"] is False and response.json()["message"]
    assert _stored(world, draft)["interview"] == ""


def test_a_refused_draft_says_why_and_keeps_the_stored_one(world, draft):
    client = logged_in(world.doctor_user)
    client.post(_url(draft), {"interview": NOTE})
    bad = client.post(_url(draft), {"interview": "x", "diagnosis_code": ["Q99.99"]})
    assert bad.status_code == 400
    assert bad.json()["saved"] is False and "Q99.99" in bad.json()["message"]
    assert _stored(world, draft)["interview"] == NOTE


def test_a_signed_visit_takes_no_autosave(world, draft, visit):
    with clinic_context(world.clinic):
        services.sign(world.doctor_user, draft.pk, visit)
    response = logged_in(world.doctor_user).post(_url(draft), {"interview": NOTE})
    assert response.status_code == 400 and response.json()["saved"] is False
    assert _stored(world, draft)["interview"] == visit["interview"]


def test_a_lapsed_session_is_401_not_a_login_page_taken_for_saved(world, draft, client):
    response = client.post(_url(draft), {"interview": NOTE}, HTTP_HX_REQUEST="true")
    assert response.status_code == 401 and response["HX-Redirect"].startswith("/login/")


def test_the_draft_is_ciphertext_in_the_database_and_absent_from_the_logs(world, draft, caplog):
    caplog.set_level(logging.DEBUG)
    logged_in(world.doctor_user).post(_url(draft), {"interview": NOTE, "recommendations": "Furosemid 40 mg"})
    assert _stored(world, draft)["recommendations"] == "Furosemid 40 mg"
    dump = b""
    for table in (EncounterVersion._meta.db_table, AuditEvent._meta.db_table):
        for row in raw_rows(f"SELECT * FROM {table}"):
            dump += b"|".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row)
    for secret in ["Duszność", "obrzęki", "Furosemid", '"interview"']:
        assert secret.encode() not in dump, secret
        assert secret not in caplog.text, secret
