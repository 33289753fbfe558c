"""Destroying retired root key generations: only once due, never the current one, never one still in use."""
import datetime

import pytest
from django.utils import timezone

from klinika.crypto import keystore
from klinika.crypto.models import KeyEncryptionKey, KeyState
from klinika.crypto.root import kek_aad, provider
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from klinika.web.worker import destroy_old_root_generations
from tests.support.root_generations import last_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def rotated(root_key_files, make_clinic, people):
    clinics = []
    for _ in range(2):
        clinic = make_clinic()
        with clinic_context(clinic):
            Patient(**people.patient()).save()
        clinics.append(clinic)
    names = {c.pk: last_names(c) for c in clinics}
    report = keystore.rotate_root(retention_days=10)
    return clinics, names, report


def test_a_retired_generation_is_destroyed_only_after_its_window(rotated, root_key_files):
    clinics, names, report = rotated
    assert keystore.destroy_due_root_generations() == []
    with pytest.raises(keystore.RootGenerationInUse, match="kept until"):
        keystore.destroy_root_generation(1)
    assert root_key_files.exists()

    assert keystore.destroy_due_root_generations(report.destroy_after + datetime.timedelta(seconds=1)) == [1]

    assert not root_key_files.exists()  # generation 1's key file
    assert provider().generations() == [2]
    first = keystore.root_generations()[0]
    assert first.destroyed_at is not None and first.destroyed_at <= timezone.now()
    assert {c.pk: last_names(c) for c in clinics} == names  # the live system reads on
    assert keystore.destroy_due_root_generations(report.destroy_after + datetime.timedelta(days=1)) == []


def test_the_current_generation_is_never_destroyed(rotated):
    with pytest.raises(keystore.RootGenerationInUse, match="not retired"):
        keystore.destroy_root_generation(2, now=timezone.now() + datetime.timedelta(days=10_000))
    assert provider().generations() == [1, 2]


def test_a_generation_still_wrapping_a_live_kek_is_refused_until_a_rerun_rewraps_it(rotated, root_key_files):
    clinics, names, report = rotated
    # A KEK wrapped under generation 1 after the rotation looked (a process that read the current
    # generation just before the new one was recorded).
    kek = KeyEncryptionKey.objects.using("keystore").get(clinic_id=clinics[0].pk, state=KeyState.ACTIVE)
    aad = kek_aad(kek.clinic_id, kek.key_id)
    material = provider().unwrap(bytes(kek.wrapped), aad, 2)
    KeyEncryptionKey.objects.using("keystore").filter(pk=kek.pk).update(
        wrapped=provider().wrap(material, aad, 1), root_generation=1)
    later = report.destroy_after + datetime.timedelta(hours=1)

    with pytest.raises(keystore.RootGenerationInUse, match="still wraps 1 live key-encryption key") as refused:
        keystore.destroy_due_root_generations(later)
    assert refused.value.destroyed == []
    assert root_key_files.exists()
    assert {c.pk: last_names(c) for c in clinics} == names

    again = keystore.rotate_root()
    assert (again.generation, again.resumed, again.rewrapped) == (2, True, 1)
    assert keystore.destroy_due_root_generations(later) == [1]
    assert {c.pk: last_names(c) for c in clinics} == names


def test_the_worker_destroys_due_generations(root_key_files, make_clinic):
    make_clinic()
    keystore.rotate_root(retention_days=0)
    destroy_old_root_generations()
    assert [g.number for g in keystore.root_generations() if g.destroyed_at] == [1]
    assert not root_key_files.exists()
