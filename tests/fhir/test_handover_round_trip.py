"""A generated clinic exported through iter_resources to NDJSON and imported with ImportSession into a
fresh clinic comes back field by field: staff, hours, patients, consents, appointments, visits with
their content, measurements, allergies, e-documents (numbers, contents, packages) and attachments
(their bytes)."""
import json

import pytest

from klinika.fhir import handover
from klinika.lifecycle.services import create_clinic
from klinika.tenancy.context import clinic_context
from tests.fhir.handover_support import export, import_into, snapshot

pytestmark = pytest.mark.django_db


def test_export_then_import_reproduces_the_clinic(generated, tmp_path):
    counts = export(generated, tmp_path)
    fresh = create_clinic("Przychodnia Nowa", "fhir-fresh")
    stored = import_into(fresh, tmp_path)

    before, after = snapshot(generated), snapshot(fresh)
    for kind in before:
        assert before[kind], f"the generated clinic has no {kind}"
        assert after[kind] == before[kind], kind
    assert stored["patients"] == len(before["patients"]) and stored["attachments"] == 3
    assert stored["visits"] == counts["Encounter"] and stored["appointments"] == counts["Appointment"]
    assert stored["audit_events_kept_in_export"] == counts["AuditEvent"]


def test_every_exported_line_is_a_valid_fhir_r4_resource_of_its_file(generated, tmp_path):
    counts = export(generated, tmp_path)
    with clinic_context(generated):
        for resource_type in handover.RESOURCE_TYPES:
            model = handover._resource_class(resource_type)
            lines = (tmp_path / "fhir" / f"{resource_type}.ndjson").read_text(encoding="utf-8").splitlines()
            assert len(lines) == counts[resource_type], resource_type
            # the export's own attachment downloads are audited after the trail was written
            assert (handover.count(resource_type) >= len(lines) if resource_type == "AuditEvent"
                    else handover.count(resource_type) == len(lines)), resource_type
            ids = set()
            for line in lines:
                resource = model.model_validate_json(line)
                assert resource.get_resource_type() == resource_type
                assert json.loads(resource.model_dump_json()) == json.loads(line)
                ids.add(resource.id)
            assert len(ids) == len(lines), f"{resource_type} ids repeat"
