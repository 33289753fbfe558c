"""The Must-hold of the handover, end to end through the commands a vendor runs: `klinika clinic export`
(age-encrypted to the clinic's key) then `klinika clinic import` into a fresh clinic gives back the
patients, appointments, visits, e-documents and attachments exactly; every exported FHIR line is a
valid R4 resource; the manifest verifies; one corrupted byte is caught and named."""
import io
import json

import pyrage
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from klinika.fhir import handover as fhir
from klinika.lifecycle.handover.verify import verify_export
from klinika.tenancy.models import Clinic
from tests.fhir.conftest import file_store, generated  # noqa: F401 (fixtures)
from tests.fhir.handover_support import snapshot

pytestmark = pytest.mark.django_db


def _decrypted(path, identity) -> bytes:
    return pyrage.decrypt(path.read_bytes(), [identity])


def test_export_then_import_through_the_commands_reproduces_the_clinic(generated, tmp_path):  # noqa: F811
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "clinic.agekey"
    key_file.write_text(str(identity) + "\n")
    out = tmp_path / "handover"

    call_command("clinic", "export", generated.slug, "--out", str(out), "--to", str(identity.to_public()),
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert verify_export(out).ok

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True
    for resource_type in fhir.RESOURCE_TYPES:
        data = _decrypted(out / "fhir" / f"{resource_type}.ndjson.age", identity)
        model = fhir._resource_class(resource_type)
        for line in data.decode().splitlines():
            assert model.model_validate_json(line).get_resource_type() == resource_type

    call_command("clinic", "import", str(out), "--identity", str(key_file), "--slug", "po-przekazaniu",
                 stdout=io.StringIO(), stderr=io.StringIO())
    fresh = Clinic.objects.get(slug="po-przekazaniu")
    before, after = snapshot(generated), snapshot(fresh)
    for kind in before:  # patients, appointments, visits, e-documents, attachments (bytes), staff, hours, ...
        assert before[kind], f"the generated clinic has no {kind}"
        assert after[kind] == before[kind], kind
    assert {"patients", "appointments", "visits", "edocuments", "attachments"} <= set(before)


def test_one_corrupted_byte_is_named_and_refuses_the_import(generated, tmp_path):  # noqa: F811
    out = tmp_path / "handover"
    call_command("clinic", "export", generated.slug, "--out", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    target = out / "fhir" / "Encounter.ndjson"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))

    report = verify_export(out)
    assert not report.ok and any("fhir/Encounter.ndjson" in problem for problem in report.problems)
    clinics = Clinic.objects.count()
    with pytest.raises(CommandError, match="fhir/Encounter.ndjson"):
        call_command("clinic", "import", str(out), "--slug", "nie-powstanie", stdout=io.StringIO(),
                     stderr=io.StringIO())
    assert Clinic.objects.count() == clinics
