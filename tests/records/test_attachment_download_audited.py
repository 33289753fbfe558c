"""A download streams the decrypted file to those who may read clinical data, and is audited as an export."""
import pytest

from klinika.audit.models import AuditEvent
from klinika.records.services import attachments
from klinika.tenancy.context import clinic_context
from tests.records import files
from tests.records.world import api_client, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(world, file_store):
    with clinic_context(world.clinic):
        return attachments.upload(world.users["nurse"], world.woman.pk,
                                  files.upload(files.pdf(), "Wyniki krwi – Wójcik.pdf"), kind="lab")


def _exports(world, attachment):
    with clinic_context(world.clinic):
        return list(AuditEvent.objects.filter(action="export", object_type="attachment",
                                              object_id=str(attachment.public_id)))


def test_the_doctor_downloads_the_original_and_it_is_audited(world, stored):
    response = logged_in(world.doctor_user).get(f"/records/attachments/{stored.public_id}/")
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == files.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Wyniki%20krwi" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    (event,) = _exports(world, stored)
    assert event.subject_ref == world.woman.subject_ref and event.actor_id == world.doctor_user.pk
    assert "Wójcik" not in event.reason and "Wyniki" not in event.reason


@pytest.mark.parametrize("role", ["registrar", "admin", "dpo"])
def test_roles_without_clinical_access_get_nothing(world, stored, role):
    response = logged_in(world.users[role]).get(f"/records/attachments/{stored.public_id}/")
    assert response.status_code == 403 and b"%PDF" not in response.content
    assert _exports(world, stored) == []


def test_the_api_gives_metadata_and_content(world, stored):
    client = api_client(world.users["nurse"])
    meta = client.get(f"/api/records/attachments/{stored.public_id}")
    assert meta.status_code == 200
    assert meta.json() | {"uploaded_at": None} == {
        "public_id": str(stored.public_id), "patient_id": world.woman.pk, "encounter_id": None, "kind": "lab",
        "content_type": "application/pdf", "size": len(files.pdf()), "original_name": "Wyniki krwi – Wójcik.pdf",
        "description": "", "uploaded_at": None}
    content = client.get(f"/api/records/attachments/{stored.public_id}/content")
    assert content.status_code == 200 and b"".join(content.streaming_content) == files.pdf()
    assert len(_exports(world, stored)) == 1


def test_the_api_upload_checks_the_content_too(world, file_store):
    client = api_client(world.doctor_user)
    bad = client.post(f"/api/records/patients/{world.woman.pk}/attachments",
                      {"file": files.as_post_file(files.exe(), "setup.pdf"), "kind": "scan"})
    assert bad.status_code == 400 and "none of them" in bad.json()["errors"]["file"][0]
    good = client.post(f"/api/records/patients/{world.woman.pk}/attachments",
                       {"file": files.as_post_file(files.png(), "usg"), "kind": "image", "description": "USG"})
    assert good.status_code == 201 and good.json()["content_type"] == "image/png"


def test_an_erased_patients_file_answers_gone(world, stored):
    from klinika.crypto import keystore

    keystore.erase_subject(world.clinic.pk, world.woman.subject_ref)
    response = logged_in(world.doctor_user).get(f"/records/attachments/{stored.public_id}/")
    assert response.status_code == 410
