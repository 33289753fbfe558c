"""`klinika clinic import` checks the export before it makes anything: a corrupted file, a missing
identity or a wrong one refuse the import, naming the problem, and no clinic is created. With the
right identity the FHIR NDJSON reaches the import session decrypted, line by line, and attachments
are read from the export by their Contract A path.

The FHIR mapping (klinika.fhir.handover) is another part of issue 10: here a small step writes a
FHIR file and a recording session stands in for Contract A's ImportSession, so the container's part
(verify, decrypt, stream, hand over) is what is tested."""
import json

import pyrage
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from klinika.lifecycle.handover.services import ImportRefused, export_clinic, import_clinic
from klinika.lifecycle.handover.steps import OutputFile, Step, attachment_path, default_steps
from klinika.tenancy.models import Clinic

pytestmark = pytest.mark.django_db

PATIENTS = [{"resourceType": "Patient", "id": str(n), "name": [{"family": f"Testowa-{n}"}]} for n in range(1, 4)]


class TinyFhirStep(Step):
    name, label = "fhir", "FHIR"

    def total(self, ctx):
        return 1

    def files(self, ctx, after):
        if after is None:
            yield OutputFile("Patient", "fhir/Patient.ndjson",
                             [json.dumps(p).encode() + b"\n" for p in PATIENTS], "Patient")


class RecordingSession:
    def __init__(self, clinic, read_attachment):
        self.clinic, self.read_attachment, self.loaded = clinic, read_attachment, {}

    def load(self, resource_type, resources):
        self.loaded[resource_type] = list(resources)
        return len(self.loaded[resource_type])

    def finish(self):
        return {"patients": len(self.loaded.get("Patient", []))}


@pytest.fixture
def identity():
    return pyrage.x25519.Identity.generate()


@pytest.fixture
def sealed(exportable, identity, tmp_path):
    out = tmp_path / "sealed"
    export_clinic(exportable.clinic, out, recipients=[str(identity.to_public())],
                  steps=[TinyFhirStep(), *(s for s in default_steps() if s.name != "fhir")])
    return out


def test_decrypted_with_the_identity_and_handed_to_the_session(exportable, sealed, identity):
    sessions = []

    def factory(clinic, read_attachment):
        sessions.append(RecordingSession(clinic, read_attachment))
        return sessions[-1]

    result = import_clinic(sealed, identity_text=f"# created: now\n{identity}\n", slug="nowa",
                           session_factory=factory, resource_types=("Patient", "Encounter"))
    assert result.clinic.slug == "nowa" and result.clinic.name == "Przychodnia Eksportowa"
    assert result.clinic.pk != exportable.clinic.pk
    assert sessions[0].loaded == {"Patient": PATIENTS}  # Encounter: not in this export, not loaded
    assert result.loaded == {"Patient": 3} and result.counts == {"patients": 3}
    assert sessions[0].read_attachment(attachment_path(exportable.attachment)) == exportable.scan


def _clinics():
    return set(Clinic.objects.values_list("slug", flat=True))


def test_a_corrupted_export_creates_nothing(exportable, sealed, identity, tmp_path):
    before = _clinics()
    target = next((sealed / "documents").iterdir())
    data = bytearray(target.read_bytes())
    data[-3] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ImportRefused, match=f"does not verify, nothing was imported: documents/{target.name}"):
        import_clinic(sealed, identity_text=str(identity), session_factory=RecordingSession,
                      resource_types=("Patient",))
    key = tmp_path / "key.txt"
    key.write_text(str(identity))
    with pytest.raises(CommandError, match=f"documents/{target.name}: SHA-256 differs"):
        call_command("clinic", "import", str(sealed), "--identity", str(key), "--slug", "nowa")
    assert _clinics() == before


def test_no_or_a_wrong_identity_creates_nothing(sealed):
    before = _clinics()
    with pytest.raises(ImportRefused, match="age-encrypted: give the clinic's identity file with --identity"):
        import_clinic(sealed, slug="nowa", session_factory=RecordingSession, resource_types=("Patient",))
    stranger = pyrage.x25519.Identity.generate()
    with pytest.raises(ImportRefused, match="does not decrypt with this identity"):
        import_clinic(sealed, identity_text=str(stranger), slug="nowa", session_factory=RecordingSession,
                      resource_types=("Patient",))
    with pytest.raises(Exception, match="no age identity"):
        import_clinic(sealed, identity_text="not a key", slug="nowa", session_factory=RecordingSession,
                      resource_types=("Patient",))
    assert _clinics() == before


def test_an_export_without_fhir_data_creates_nothing(exportable, tmp_path):
    out = tmp_path / "plain"
    export_clinic(exportable.clinic, out, steps=[s for s in default_steps() if s.name != "fhir"])
    before = _clinics()
    with pytest.raises(ImportRefused, match="holds no FHIR resources"):
        import_clinic(out, slug="nowa", session_factory=RecordingSession, resource_types=("Patient",))
    assert _clinics() == before


def test_a_failure_half_way_leaves_no_readable_clinic(sealed, identity):
    class Failing(RecordingSession):
        def load(self, resource_type, resources):
            raise RuntimeError("the mapping refused a resource")

    with pytest.raises(RuntimeError):
        import_clinic(sealed, identity_text=str(identity), slug="nowa", session_factory=Failing,
                      resource_types=("Patient",))
    assert Clinic.objects.get(slug="nowa").status == Clinic.Status.TERMINATED
