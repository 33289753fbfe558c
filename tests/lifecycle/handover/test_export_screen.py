"""The clinic admin's export screen (Polish): start an export (a background task; the test backend
runs it at once), see it listed with its status and counts, download its manifest. Only the clinic
admin of that clinic: other roles are refused, another clinic's export answers 404."""
import json

import pyrage
import pytest
from django.urls import reverse

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.lifecycle.handover.models import HandoverExport
from klinika.lifecycle.handover.verify import verify_export
from klinika.tenancy.context import clinic_context
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.KLINIKA_EXPORT_DIR = tmp_path / "exports"


def _admin(clinic, name):
    return User.objects.create_user(name, "correct-horse-battery", role=Role.CLINIC_ADMIN, clinic=clinic)


def test_admin_starts_an_export_and_downloads_its_manifest(exportable, django_capture_on_commit_callbacks):
    admin = _admin(exportable.clinic, "szefowa")
    client = logged_in(admin, language="pl")
    page = client.get(reverse("handover:exports"))
    assert page.status_code == 200
    assert "Eksport danych przychodni" in page.content.decode() and "Nie ma jeszcze eksportów." in page.content.decode()
    assert f'href="{reverse("handover:exports")}"' in client.get(reverse("dashboard")).content.decode()

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("handover:exports"), {"recipients": recipient})
    assert response.status_code == 302
    with clinic_context(exportable.clinic):
        export = HandoverExport.objects.get()
    assert export.status == HandoverExport.Status.COMPLETE and export.requested_by == admin
    assert export.recipients == [recipient] and export.counts["patients"] == 5
    assert verify_export(export.directory).ok

    listing = client.get(reverse("handover:exports")).content.decode()
    assert "gotowy" in listing and "zaszyfrowany" in listing and "patients: 5" in listing
    manifest = client.get(reverse("handover:manifest", args=[export.public_id]))
    assert manifest.status_code == 200 and manifest["Content-Type"] == "application/json"
    assert json.loads(manifest.content)["complete"] is True
    assert export.manifest_sha256 in listing[:100000] or export.manifest_sha256[:17] in listing


def test_a_bad_recipient_is_a_polish_error_and_starts_nothing(exportable):
    client = logged_in(_admin(exportable.clinic, "szefowa"), language="pl")
    response = client.post(reverse("handover:exports"), {"recipients": "ssh-ed25519 AAAA"})
    assert response.status_code == 400
    assert "Podaj klucze publiczne age przychodni" in response.content.decode()
    with clinic_context(exportable.clinic):
        assert not HandoverExport.objects.exists()


def test_only_the_clinic_admin_of_that_clinic(exportable, make_exportable, django_capture_on_commit_callbacks):
    other = make_exportable("Przychodnia Obca", "obca", seed=8)
    theirs = _admin(other.clinic, "obcy-admin")
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(theirs).post(reverse("handover:exports"), {"recipients": ""})
    with clinic_context(other.clinic):
        their_export = HandoverExport.objects.get()

    mine = logged_in(_admin(exportable.clinic, "szefowa"))
    assert mine.get(reverse("handover:manifest", args=[their_export.public_id])).status_code == 404
    assert "obca" not in mine.get(reverse("handover:exports")).content.decode()

    doctor = User.objects.filter(clinic=exportable.clinic, role=Role.DOCTOR).first()
    client = logged_in(doctor)
    assert client.get(reverse("handover:exports")).status_code == 403
    assert client.post(reverse("handover:exports"), {"recipients": ""}).status_code == 403
    assert client.get(reverse("handover:manifest", args=[their_export.public_id])).status_code == 403
    with clinic_context(exportable.clinic):
        assert not HandoverExport.objects.exists()
