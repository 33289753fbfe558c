import pytest

from klinika.crypto import envelope, keystore
from klinika.crypto.errors import KeyDestroyed
from klinika.crypto.fields import ERASED
from klinika.crypto.models import DataKey, KeyEncryptionKey
from klinika.lifecycle.services import shred_clinic
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic

from .conftest import ENCRYPTED, ENCRYPTED_COLUMNS, raw_rows

pytestmark = pytest.mark.django_db


def _decrypts(blob: bytes, column: str) -> bool:
    try:
        envelope.decrypt(blob, envelope.aad_suffix("patients_patient", column))
        return True
    except KeyDestroyed:
        return False


def test_after_shred_nothing_of_the_clinic_decrypts_even_from_an_earlier_copy(populated):
    a, b = populated["a"], populated["b"]
    copy_before = raw_rows(a)  # a backup taken before the contract ended
    assert all(_decrypts(blob, col)
               for _, blobs in copy_before for blob, col in zip(blobs, ENCRYPTED_COLUMNS, strict=True))

    shred_clinic(a, reason="contract ended")

    for _, blobs in copy_before:
        for blob, column in zip(blobs, ENCRYPTED_COLUMNS, strict=True):
            assert not _decrypts(blob, column)
    with clinic_context(a):
        for patient in Patient.objects.all():
            assert all(getattr(patient, f) is ERASED for f in ENCRYPTED)
    with clinic_context(b):
        assert all(p.last_name and p.last_name is not ERASED for p in Patient.objects.all())


def test_shred_destroys_the_key_material_in_the_keystore(populated):
    a = populated["a"]
    count = shred_clinic(a, reason="contract ended")
    assert count >= 4  # KEK, DEK, index, signing, subject keys
    assert not KeyEncryptionKey.objects.using("keystore").filter(clinic_id=a.pk, wrapped__isnull=False).exists()
    assert not DataKey.objects.using("keystore").filter(clinic_id=a.pk, wrapped__isnull=False).exists()
    assert Clinic.objects.get(pk=a.pk).status == Clinic.Status.TERMINATED


def test_a_shredded_clinic_cannot_write_new_data(populated, people):
    a = populated["a"]
    shred_clinic(a, reason="contract ended")
    with clinic_context(a), pytest.raises(KeyDestroyed):
        Patient(**people.patient()).save()


def test_shred_is_audited_and_the_chain_still_verifies(populated):
    from klinika.audit.models import AuditEvent
    from klinika.audit.verify import verify

    a = populated["a"]
    shred_clinic(a, reason="contract ended")
    with clinic_context(a):
        assert AuditEvent.objects.filter(action="key", reason__startswith="shred").exists()
    assert verify(a.pk).ok


def test_cost_of_a_shred_does_not_depend_on_the_amount_of_data(populated, django_assert_max_num_queries):
    a = populated["a"]
    keystore.forget_cached_keys()
    # a bounded number of statements whatever the number of patients: no data row is touched
    with django_assert_max_num_queries(40):
        shred_clinic(a, reason="contract ended")
