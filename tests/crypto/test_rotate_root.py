"""`rotate_root`: a new root key generation, every live KEK re-wrapped under it, nothing else touched."""
import base64
import datetime
import hashlib
import stat

import pytest
from django.db import connection
from django.utils import timezone

from klinika.audit.models import VENDOR_CHAIN, AuditEvent
from klinika.crypto import keystore
from klinika.crypto.errors import RootKeyError
from klinika.crypto.models import KeyEncryptionKey, KeyState, RootKeyGeneration
from klinika.crypto.root import kek_aad, provider
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context, cross_clinic
from tests.support.root_generations import last_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clinics(make_clinic, people):
    clinics = []
    for _ in range(2):
        clinic = make_clinic()
        with clinic_context(clinic):
            for _ in range(3):
                Patient(**people.patient()).save()
        clinics.append(clinic)
    return clinics


def live_keks():
    return {k.key_id: k for k in KeyEncryptionKey.objects.using("keystore").filter(wrapped__isnull=False)
            .exclude(state=KeyState.DESTROYED)}


def data_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM patients_patient ORDER BY id")
        return hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()


def test_rotation_rewraps_every_kek_and_keeps_every_clinic_readable(root_key_files, two_clinics, settings,
                                                                    make_clinic):
    before = {c.pk: last_names(c) for c in two_clinics}
    keks = live_keks()
    rows = data_rows()
    material = {k.key_id: provider().unwrap(bytes(k.wrapped), kek_aad(k.clinic_id, k.key_id), 1) for k in keks.values()}
    assert {k.root_generation for k in keks.values()} == {1}

    started = timezone.now()
    report = keystore.rotate_root()

    assert (report.generation, report.retired, report.resumed) == (2, (1,), False)
    assert report.rewrapped == len(keks)
    window = datetime.timedelta(days=settings.KLINIKA_BACKUP_RETENTION_DAYS)
    assert started + window <= report.destroy_after <= timezone.now() + window
    after = live_keks()
    assert after.keys() == keks.keys()
    for key_id, kek in after.items():
        assert kek.root_generation == 2
        assert bytes(kek.wrapped) != bytes(keks[key_id].wrapped)  # a new blob ...
        same = provider().unwrap(bytes(kek.wrapped), kek_aad(kek.clinic_id, key_id), 2)
        assert same == material[key_id]  # ... of the same KEK
        with pytest.raises(RootKeyError):  # and generation 1 does not open it
            provider().unwrap(bytes(kek.wrapped), kek_aad(kek.clinic_id, key_id), 1)
    assert data_rows() == rows  # no data rewritten
    assert {c.pk: last_names(c) for c in two_clinics} == before

    generations = keystore.root_generations()
    assert [g.number for g in generations] == [1, 2] and keystore.current_root_generation() == 2
    assert generations[0].retired_at is not None and generations[0].destroy_after == report.destroy_after
    assert generations[1].fingerprint == provider().fingerprint(2) != generations[0].fingerprint
    new_file = root_key_files.with_name("root-2.key")
    assert stat.S_IMODE(new_file.stat().st_mode) == 0o600

    # A clinic made afterwards is wrapped under the new generation
    late = make_clinic()
    assert KeyEncryptionKey.objects.using("keystore").get(clinic_id=late.pk).root_generation == 2

    with cross_clinic("test: the vendor chain"):
        events = list(AuditEvent.objects.filter(chain=VENDOR_CHAIN, object_type="root-key").order_by("seq"))
    reasons = [e.reason for e in events]
    assert any(r.startswith("root rotation started: generation 2") for r in reasons)
    assert any(r.startswith("root rotation done: generation 2 current") and "generation(s) 1 retired" in r
               for r in reasons)
    secrets = [root_key_files.read_text().strip(), new_file.read_text().strip()]
    secrets += [base64.b64decode(s).hex() for s in secrets]
    assert not any(s in repr((e.reason, e.object_id)) for e in events for s in secrets)


def test_a_rotation_that_crashes_halfway_leaves_everything_readable_and_a_rerun_completes_it(
        root_key_files, two_clinics):
    before = {c.pk: last_names(c) for c in two_clinics}
    keks = live_keks()
    assert len(keks) >= 2

    def crash_after_first(kek_id):
        raise RuntimeError("killed after the first KEK")

    with pytest.raises(RuntimeError):
        keystore.rotate_root(on_rewrapped=crash_after_first)

    generations = {k.root_generation for k in live_keks().values()}
    assert generations == {1, 2}  # one KEK moved, the others not yet
    assert keystore.current_root_generation() == 2
    assert RootKeyGeneration.objects.using("keystore").get(number=1).retired_at is None
    assert {c.pk: last_names(c) for c in two_clinics} == before  # every KEK opens with the generation it names

    report = keystore.rotate_root()

    assert (report.generation, report.resumed, report.retired) == (2, True, (1,))
    assert report.rewrapped == len(keks) - 1
    assert {k.root_generation for k in live_keks().values()} == {2}
    assert [g.number for g in keystore.root_generations()] == [1, 2]  # no third generation
    assert {c.pk: last_names(c) for c in two_clinics} == before


def test_cached_keys_keep_working_across_a_rotation(root_key_files, two_clinics):
    clinic = two_clinics[0]
    with clinic_context(clinic):
        names = [p.last_name for p in Patient.objects.order_by("id")]  # keys now cached in this process
        keystore.rotate_root()
        assert [p.last_name for p in Patient.objects.order_by("id")] == names


def test_rotation_refuses_a_root_key_from_the_environment(two_clinics):
    with pytest.raises(RootKeyError, match="KLINIKA_ROOT_KEY"):
        keystore.rotate_root()
    assert [g.number for g in keystore.root_generations()] == [1]
    assert {k.root_generation for k in live_keks().values()} == {1}


def test_a_bad_retention_window_is_refused_before_anything_changes(root_key_files, two_clinics):
    with pytest.raises(ValueError, match="whole number of days"):
        keystore.rotate_root(retention_days=-1)
    assert [g.number for g in keystore.root_generations()] == [1]
    assert not root_key_files.with_name("root-2.key").exists()
