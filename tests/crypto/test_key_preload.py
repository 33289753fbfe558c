import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from klinika.crypto import keystore
from klinika.crypto.fields import ERASED
from klinika.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_a_cold_page_reads_all_its_keys_in_one_keystore_query(in_clinic, people):
    for _ in range(12):
        Patient(**people.patient()).save()  # twelve patients: twelve subject keys
    keystore.forget_cached_keys()
    with CaptureQueriesContext(connections["keystore"]) as cold:
        patients = list(Patient.objects.order_by("id"))
    assert all(p.last_name and p.last_name is not ERASED for p in patients)
    key_queries = [q for q in cold.captured_queries if "keyrevocation" not in q["sql"]]  # the 2 s poll may fall here
    assert len(key_queries) <= 2  # the data keys, and their KEK once


def test_a_chunked_read_preloads_per_chunk(in_clinic, people):
    for _ in range(5):
        Patient(**people.patient()).save()
    keystore.forget_cached_keys()
    assert len([p.email for p in Patient.objects.iterator(chunk_size=2)]) == 5


def test_an_erased_patient_on_a_cold_page_reads_as_erased(in_clinic, people):
    patients = [Patient(**people.patient()) for _ in range(3)]
    for p in patients:
        p.save()
    keystore.erase_subject(in_clinic.pk, patients[1].subject_ref)
    loaded = {p.pk: p for p in Patient.objects.all()}
    assert loaded[patients[1].pk].last_name is ERASED
    assert loaded[patients[0].pk].last_name == patients[0].last_name
