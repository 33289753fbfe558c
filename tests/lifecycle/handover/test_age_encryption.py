"""Encrypted to the clinic's age recipients, every file but the manifest and the README is age
ciphertext on disk; the manifest lists the hashes of what is on disk and of the plaintext, and each
holder of a matching identity decrypts every file to exactly what an unencrypted export holds."""
import hashlib
import io
import json

import pyrage
import pytest

from klinika.lifecycle.handover.container import ExportError
from klinika.lifecycle.handover.services import export_clinic
from klinika.lifecycle.handover.verify import verify_export
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.lifecycle.handover.conftest import FIXED_NOW, tree

pytestmark = pytest.mark.django_db


def _decrypt(data: bytes, identity) -> bytes:
    out = io.BytesIO()
    pyrage.decrypt_io(io.BytesIO(data), out, [identity])
    return out.getvalue()


def test_round_trip_with_each_identity(exportable, tmp_path):
    first, second = pyrage.x25519.Identity.generate(), pyrage.x25519.Identity.generate()
    out = tmp_path / "sealed"
    export_clinic(exportable.clinic, out, recipients=[str(first.to_public()), str(second.to_public())], now=FIXED_NOW)
    plain_out = tmp_path / "plain"
    export_clinic(exportable.clinic, plain_out, now=FIXED_NOW)
    plain = tree(plain_out)

    assert verify_export(out).ok
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["encryption"]["scheme"] == "age"
    assert sorted(manifest["encryption"]["recipients"]) == sorted([str(first.to_public()), str(second.to_public())])
    files = tree(out)
    for entry in manifest["files"]:
        data = files[entry["path"]]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]  # the hash of what is on disk
        if entry["path"] == "README.txt":
            assert "plaintext_sha256" not in entry and data == plain["README.txt"]
            continue
        assert entry["path"].endswith(".age") and data.startswith(b"age-encryption.org/v1\n")
        name = entry["path"][: -len(".age")]
        for identity in (first, second):
            decrypted = _decrypt(data, identity)
            assert hashlib.sha256(decrypted).hexdigest() == entry["plaintext_sha256"]
        # the audit trail (and its FHIR AuditEvents) now holds the first export's events too
        if not name.startswith("audit/") and name != "fhir/AuditEvent.ndjson":
            assert decrypted == plain[name], name
    assert files[f"attachments/{exportable.attachment.public_id}/file.pdf.age"]

    with clinic_context(exportable.clinic):
        names = [p.last_name.encode() for p in Patient.objects.all()]
    for data in files.values():
        assert not any(name in data for name in names)

    stranger = pyrage.x25519.Identity.generate()
    with pytest.raises(pyrage.DecryptError):
        _decrypt(files[f"patients/patient-{exportable.attachment.patient_id}.pdf.age"], stranger)


def test_not_an_age_recipient_is_refused_before_anything_is_written(exportable, tmp_path):
    with pytest.raises(ExportError, match="not an age recipient"):
        export_clinic(exportable.clinic, tmp_path / "never", recipients=["ssh-rsa AAAA"])
    assert not (tmp_path / "never").exists()


def test_a_rerun_must_name_the_same_recipients(exportable, tmp_path):
    identity = pyrage.x25519.Identity.generate()
    out = tmp_path / "sealed"

    def crash(finished):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_clinic(exportable.clinic, out, recipients=[str(identity.to_public())], after_file=crash)
    with pytest.raises(ExportError, match="rerun with the same --to"):
        export_clinic(exportable.clinic, out)
    export_clinic(exportable.clinic, out, recipients=[str(identity.to_public())])
    assert verify_export(out).ok
