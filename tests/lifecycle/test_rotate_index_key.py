"""`keys rotate --index`: a new index key, every blind index recomputed, the old key destroyed.

What it is for (docs/erasure.md): after a crypto-erasure, a backup made earlier still holds
the person's blind indexes; while the index key lives, anyone with the live keystore can
recompute HMAC(index key, their PESEL) and find them in that backup. After the rotation the
key those indexes were made with is gone, and nothing the live keystore computes matches them.
"""
import pytest
from django.db import connection

from klinika.crypto import blind, keystore
from klinika.crypto.fields import BlindIndexField
from klinika.crypto.models import DataKey, IndexRotation, KeyState
from klinika.lifecycle.services import erase_subject, indexed_models, rotate_index_key
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_polling(settings):
    # The rotation waits two revocation intervals for other processes; there are none here.
    settings.KLINIKA_KEY_REVOCATION_SECONDS = 0.01


def backup_of_pesel_indexes(clinic) -> dict[int, bytes]:
    """The PESEL index column as stored: what a copy of the clinic database holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, pesel_index FROM patients_patient WHERE clinic_id = %s",
                       [clinic.pk.hex if connection.vendor == "sqlite" else clinic.pk])
        return {pk: bytes(value) for pk, value in cursor.fetchall() if value is not None}


def live_pesel_indexes(clinic, pesel) -> list[bytes]:
    """What someone holding the live keystore can compute for a PESEL: under every live index key."""
    return blind.compute_all(clinic.pk, "patients_patient.pesel", blind.normalise_digits(pesel))


def index_key_ids(clinic):
    return {row.key_id: row.state for row in DataKey.objects.using("keystore").filter(
        clinic_id=clinic.pk, purpose=DataKey.Purpose.INDEX)}


def assert_every_index_under(clinic, key):
    """Each blind index of the clinic equals HMAC(key, its value), or is empty for an empty value."""
    checked = 0
    with clinic_context(clinic):
        for model, fields in indexed_models():
            for row in model.objects.all():
                for field in fields:
                    assert getattr(row, field.attname) == field.token_with(key, getattr(row, field.source)), \
                        f"{model.__name__}.{field.name} of row {row.pk}"
                    checked += 1
    assert checked > 0


def assert_search_finds(clinic, patients):
    with clinic_context(clinic):
        for p in patients:
            for source in ("pesel", "last_name", "phone", "email"):
                if getattr(p, source):
                    assert p.pk in set(Patient.objects.matching(**{source: getattr(p, source)}).values_list(
                        "pk", flat=True)), f"{source} of patient {p.pk}"


def test_an_old_backup_stops_matching_the_erased_persons_pesel_after_the_rotation(populated):
    clinic = populated["a"]
    with clinic_context(clinic):
        victim, *others = list(Patient.objects.order_by("id"))
        pesel = victim.pesel
    backup = backup_of_pesel_indexes(clinic)  # taken before the erasure
    assert erase_subject(clinic, victim.subject_ref, reason="retention ended")
    assert victim.pk not in backup_of_pesel_indexes(clinic)  # gone from the live database

    with clinic_context(clinic):
        # Before the rotation: the live keystore recomputes the index the backup holds.
        assert backup[victim.pk] in live_pesel_indexes(clinic, pesel)
        old_key = keystore.index_keys(clinic.pk)[0]
        report = rotate_index_key(clinic)
        # After: nothing the live keystore computes for that PESEL is in the backup.
        assert not set(live_pesel_indexes(clinic, pesel)) & set(backup.values())
    assert report.old_key == old_key.key_id and not report.resumed
    states = index_key_ids(clinic)
    assert states == {old_key.key_id: KeyState.DESTROYED, report.new_key: KeyState.ACTIVE}
    old_row = DataKey.objects.using("keystore").get(key_id=old_key.key_id)
    assert old_row.wrapped is None
    # The other clinic keeps its index key, untouched.
    assert KeyState.DESTROYED not in index_key_ids(populated["b"]).values()
    assert_search_finds(clinic, others)
    with clinic_context(clinic):
        assert not Patient.objects.matching(pesel=pesel).exists()


def test_every_index_is_recomputed_and_search_finds_everyone(populated, people):
    clinic = populated["a"]
    with clinic_context(clinic):
        patients = list(Patient.objects.order_by("id"))
        before = {p.pk: p.pesel_index for p in patients}
    report = rotate_index_key(clinic, chunk_size=3)
    assert report.rows >= len(patients)
    new_key = keystore.key_by_id(report.new_key)
    assert_every_index_under(clinic, new_key)
    with clinic_context(clinic):
        after = {p.pk: p.pesel_index for p in Patient.objects.all()}
        assert all(after[pk] != before[pk] for pk in before)
        # A patient registered after the rotation is indexed with the new key.
        newcomer = Patient(**people.patient())
        newcomer.save()
    assert_search_finds(clinic, [*patients, newcomer])


def test_an_interrupted_rotation_resumes_and_search_works_meanwhile(populated, people):
    clinic = populated["a"]
    with clinic_context(clinic):
        patients = list(Patient.objects.order_by("id"))
    old_key = keystore.index_keys(clinic.pk)[0]

    class Crash(Exception):
        pass

    def crash_after_first_chunk(table, done, total):
        raise Crash(table)

    with pytest.raises(Crash):
        rotate_index_key(clinic, chunk_size=2, progress=crash_after_first_chunk)

    # Halfway: two patients under the new key, the rest under the old; both keys alive.
    rotation = IndexRotation.objects.using("keystore").get(clinic_id=clinic.pk)
    assert rotation.progress == {"patients_patient": patients[1].pk}
    assert index_key_ids(clinic) == {old_key.key_id: KeyState.ACTIVE, rotation.new_key_id: KeyState.PENDING}
    new_key = keystore.key_by_id(rotation.new_key_id)
    with clinic_context(clinic):
        rows = {p.pk: p for p in Patient.objects.all()}
        field = Patient._meta.get_field("pesel_index")
        assert all(rows[p.pk].pesel_index == field.token_with(new_key, p.pesel) for p in patients[:2])
        assert all(rows[p.pk].pesel_index == field.token_with(old_key, p.pesel) for p in patients[2:])
        newcomer = Patient(**people.patient())  # registered during the rotation: under the new key
        newcomer.save()
        assert newcomer.pesel_index == field.token_with(new_key, newcomer.pesel)
    assert_search_finds(clinic, [*patients, newcomer])

    report = rotate_index_key(clinic, chunk_size=2)
    assert report.resumed and report.new_key == rotation.new_key_id
    assert report.rows < len(patients) + 1 + _other_indexed_rows(clinic)  # the first chunk was not redone
    assert not IndexRotation.objects.using("keystore").filter(clinic_id=clinic.pk).exists()
    assert index_key_ids(clinic) == {old_key.key_id: KeyState.DESTROYED, new_key.key_id: KeyState.ACTIVE}
    assert_every_index_under(clinic, new_key)
    assert_search_finds(clinic, [*patients, newcomer])


def _other_indexed_rows(clinic):
    with clinic_context(clinic):
        return sum(model.objects.count() for model, _ in indexed_models() if model is not Patient)


def test_every_model_with_blind_indexes_is_covered():
    covered = {model.__name__ for model, _ in indexed_models()}
    assert {"Patient", "PatientIdentifier", "StaffMember", "Practitioner"} <= covered
    assert all(isinstance(f, BlindIndexField) for _, fields in indexed_models() for f in fields)
