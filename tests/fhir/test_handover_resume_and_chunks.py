"""iter_resources streams in a stable order, resumes right after any key (also after the key went through
JSON), reads a chunk of rows per query and forgets each chunk's subject keys after it."""
import json

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from klinika.fhir import handover
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_every_type_resumes_right_after_any_key(generated):
    with clinic_context(generated):
        for resource_type in handover.RESOURCE_TYPES:
            full = [(key, resource.id) for key, resource in handover.iter_resources(resource_type, chunk_size=4)]
            again = [(key, resource.id) for key, resource in handover.iter_resources(resource_type, chunk_size=9)]
            assert full == again, f"{resource_type}: the order depends on the chunk size"
            for cut in sorted({0, 1, len(full) // 2, len(full) - 2, len(full) - 1} & set(range(len(full)))):
                key = json.loads(json.dumps(full[cut][0]))
                rest = [r.id for _k, r in handover.iter_resources(resource_type, after=key, chunk_size=4)]
                assert rest == [fhir_id for _k, fhir_id in full[cut + 1:]], f"{resource_type} after {key}"


def test_rows_are_read_a_chunk_at_a_time_and_their_keys_forgotten(generated):
    with clinic_context(generated):
        total = Patient.objects.count()
        with CaptureQueriesContext(connections["default"]) as reads:
            resources = list(handover.iter_resources("Patient", chunk_size=5))
        assert len(resources) == total
        pages = [q["sql"] for q in reads.captured_queries if 'FROM "patients_patient"' in q["sql"]
                 and "LIMIT 5" in q["sql"]]
        assert len(pages) == total // 5 + 1  # the last page comes back short (or empty)
        # A key the export loaded is not left in the cache: reading the patient asks the keystore again.
        with CaptureQueriesContext(connections["keystore"]) as asked:
            assert Patient.objects.order_by("pk").first().first_name
        assert asked.captured_queries


def test_an_unknown_type_is_refused_by_name(generated):
    with clinic_context(generated), pytest.raises(ValueError, match="Unknown resource type 'Basic'"):
        list(handover.iter_resources("Basic"))
