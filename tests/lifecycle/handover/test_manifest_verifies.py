"""An export's manifest lists every file with its size and SHA-256, and verify_export and
`klinika clinic verify-export` find them all intact."""
import hashlib
import json

import pytest
from django.core.management import call_command

from klinika.edocs.models import Prescription, Referral, SickLeave
from klinika.lifecycle.handover.services import export_clinic
from klinika.lifecycle.handover.verify import verify_export
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.lifecycle.handover.conftest import FIXED_NOW, tree

pytestmark = pytest.mark.django_db


def test_manifest_lists_every_file_with_its_hash(exportable, tmp_path):
    out = tmp_path / "export"
    result = export_clinic(exportable.clinic, out, now=FIXED_NOW)
    body = (out / "manifest.json").read_bytes()
    manifest = json.loads(body)
    assert result.manifest_sha256 == hashlib.sha256(body).hexdigest()
    assert manifest["format"] == "klinika-handover/1" and manifest["complete"] is True
    assert manifest["clinic"] == {"id": str(exportable.clinic.pk), "slug": "eksport", "name": "Przychodnia Eksportowa"}
    assert manifest["created_at"] == FIXED_NOW.isoformat(timespec="seconds")
    files = tree(out)
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}  # the progress state is gone, nothing unlisted
    for path, entry in listed.items():
        assert entry["bytes"] == len(files[path])
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
    events = listed["audit/events.ndjson"]
    assert events["records"] == files["audit/events.ndjson"].count(b"\n") > 0
    assert listed[f"patients/patient-{exportable.attachment.patient_id}.pdf"]["records"] is None
    with clinic_context(exportable.clinic):
        documents = Prescription.objects.count() + Referral.objects.count() + SickLeave.objects.count()
        patients = Patient.objects.count()
    assert manifest["counts"]["documents"] == documents > 0
    assert manifest["counts"]["patients"] == patients == 5
    assert manifest["counts"]["attachments"] == 1
    assert manifest["counts"]["audit_events"] == events["records"]

    report = verify_export(out)
    assert report.ok, report.problems
    assert report.files == len(listed) and report.manifest_sha256 == result.manifest_sha256


def test_verify_export_command(exportable, tmp_path, capsys):
    out = tmp_path / "export"
    export_clinic(exportable.clinic, out)
    call_command("clinic", "verify-export", str(out))
    assert "ok:" in capsys.readouterr().out


def test_export_command_writes_and_reports(exportable, tmp_path, capsys):
    out = tmp_path / "by-cli"
    call_command("clinic", "export", "eksport", "--out", str(out))
    printed = capsys.readouterr().out
    assert f"exported eksport to {out}" in printed and "manifest sha256" in printed
    assert verify_export(out).ok
    call_command("clinic", "export", "eksport", "--out", str(out))  # the same command again: nothing to do
    assert "already holds a complete export" in capsys.readouterr().out
