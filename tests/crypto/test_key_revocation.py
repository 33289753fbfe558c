"""A key destroyed by another process stops working here within KLINIKA_KEY_REVOCATION_SECONDS,
at one keystore query per interval shared by every read, never one per read.

"Another process" is played by writing the keystore rows the way keystore.erase_subject does,
without the forget_cached_keys() that only clears the caches of the process doing it.
(tests/cli/test_erasure_reaches_running_server.py does it with real processes.)
"""
import math
import time

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from klinika.crypto import keystore
from klinika.crypto.fields import ERASED
from klinika.crypto.models import DataKey, KeyRevocation, KeyState
from klinika.patients.models import Patient

pytestmark = pytest.mark.django_db


def destroy_elsewhere(clinic, subject_ref):
    DataKey.objects.using("keystore").filter(clinic_id=clinic.pk, subject_ref=subject_ref).update(
        state=KeyState.DESTROYED, wrapped=None, destroyed_at=timezone.now())
    keystore.bump_revocations()


@pytest.fixture(autouse=True)
def _poll_on_the_next_read():
    """Each test sets its own interval: no look at the counter scheduled by an earlier test."""
    keystore._revocations.due = 0
    yield
    keystore._revocations.due = 0


@pytest.fixture
def patients(in_clinic, people):
    made = [Patient(**people.patient()) for _ in range(5)]
    for patient in made:
        patient.save()
    return made


def poll_every(settings, seconds):
    settings.KLINIKA_KEY_REVOCATION_SECONDS = seconds
    keystore._revocations.due = 0  # the fixtures' reads scheduled the next look with the default


def read_all(pks):
    return [Patient.objects.get(pk=pk).last_name for pk in pks]


def test_reads_within_the_interval_make_no_keystore_query(patients, settings):
    poll_every(settings, 60)  # the next read asks, once
    pks = [p.pk for p in patients]
    with CaptureQueriesContext(connections["keystore"]) as queries:
        for _ in range(100):
            assert read_all(pks) == [p.last_name for p in patients]
    tables = [q["sql"] for q in queries.captured_queries]
    assert len(tables) == 1 and KeyRevocation._meta.db_table in tables[0], tables  # 500 reads, one query


def test_the_counter_is_read_once_per_interval_by_all_reads(patients, settings):
    poll_every(settings, 0.2)
    pks = [p.pk for p in patients]
    started = time.monotonic()
    reads = 0
    with CaptureQueriesContext(connections["keystore"]) as queries:
        while time.monotonic() - started < 1.0:
            read_all(pks)
            reads += len(pks)
    elapsed = time.monotonic() - started
    sqls = [q["sql"] for q in queries.captured_queries]
    assert all(KeyRevocation._meta.db_table in sql for sql in sqls), sqls  # no key was fetched again
    assert 1 <= len(sqls) <= math.ceil(elapsed / 0.2) + 1 < reads, (len(sqls), reads)


def test_a_key_destroyed_by_another_process_stops_working_within_the_interval(patients, in_clinic, settings):
    poll_every(settings, 0.2)
    victim, other = patients[0], patients[1]
    assert read_all([victim.pk]) == [victim.last_name]  # its key is cached now
    destroy_elsewhere(in_clinic, victim.subject_ref)
    deadline = time.monotonic() + 2
    while read_all([victim.pk]) != [ERASED]:
        assert time.monotonic() < deadline, "the destroyed key was still used after ten intervals"
        time.sleep(0.02)
    assert read_all([other.pk]) == [other.last_name]


def test_a_shred_elsewhere_reaches_this_process(patients, in_clinic, settings):
    poll_every(settings, 0.2)
    assert read_all([patients[0].pk]) == [patients[0].last_name]
    now = timezone.now()
    DataKey.objects.using("keystore").filter(clinic_id=in_clinic.pk).update(
        state=KeyState.DESTROYED, wrapped=None, destroyed_at=now)
    keystore.bump_revocations()
    time.sleep(0.25)
    assert read_all([p.pk for p in patients]) == [ERASED] * len(patients)


def test_without_a_counter_row_the_first_bump_makes_it():
    KeyRevocation.objects.using("keystore").all().delete()
    keystore.bump_revocations()
    keystore.bump_revocations()
    assert KeyRevocation.objects.using("keystore").get(pk=1).generation == 2
