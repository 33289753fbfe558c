import time

import pytest

from klinika.crypto import keystore
from klinika.crypto.cache import KeyCache
from klinika.crypto.models import DataKey
from klinika.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_cache_is_bounded():
    cache = KeyCache(max_entries=3, ttl_seconds=60)
    for i in range(10):
        cache.put(i, i)
    assert len(cache) == 3 and cache.get(9) == 9 and cache.get(0) is None


def test_cache_entries_expire():
    cache = KeyCache(max_entries=3, ttl_seconds=0.01)
    cache.put("k", "v")
    time.sleep(0.02)
    assert cache.get("k") is None


def test_reads_with_a_warm_cache_do_not_touch_the_keystore(in_clinic, people, django_assert_num_queries):
    for _ in range(5):
        Patient(**people.patient()).save()
    list(Patient.objects.all())  # warms the cache
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    keystore.forget_cached_keys()
    with CaptureQueriesContext(connections["keystore"]) as cold:
        list(Patient.objects.all())
    assert len(cold.captured_queries) > 0  # a cold cache does go to the keystore
    with CaptureQueriesContext(connections["keystore"]) as warm, django_assert_num_queries(1):
        patients = list(Patient.objects.all())
        assert all(p.last_name for p in patients)
    # At most the revocation poll, which comes once per KLINIKA_KEY_REVOCATION_SECONDS (test_key_revocation.py)
    assert [q for q in warm.captured_queries if "keyrevocation" not in q["sql"]] == []


def test_keys_are_stored_only_in_the_keystore_database():
    from django.db import connections

    default_tables = connections["default"].introspection.table_names()
    keystore_tables = connections["keystore"].introspection.table_names()
    assert DataKey._meta.db_table in keystore_tables
    assert DataKey._meta.db_table not in default_tables
    assert "crypto_keyencryptionkey" not in default_tables
    assert Patient._meta.db_table not in keystore_tables


def test_a_destroyed_key_is_forgotten_by_the_cache(in_clinic, people):
    patient = Patient(**people.patient())
    patient.save()
    keystore.key_by_id(keystore.subject_key(in_clinic.pk, patient.subject_ref).key_id)
    keystore.erase_subject(in_clinic.pk, patient.subject_ref)
    from klinika.crypto.fields import ERASED

    assert Patient.objects.get(pk=patient.pk).last_name is ERASED
