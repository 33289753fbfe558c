"""`klinika backup` / `klinika restore` on a live clinic: identical values back, a tampered backup refused."""
import json

import pytest

from klinika.crypto import backup, keystore
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.support.root_generations import last_names

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_clinic(make_clinic, people):
    clinic = make_clinic()
    with clinic_context(clinic):
        for _ in range(5):
            Patient(**people.patient()).save()
    return clinic


def test_a_restored_backup_reads_back_identical_values(live_clinic, people, tmp_path, root_key_files):
    with clinic_context(live_clinic):
        before = [(p.pk, p.last_name, p.pesel, p.phone) for p in Patient.objects.order_by("id")]

    files = backup.backup(tmp_path / "data", tmp_path / "keystore")

    data, keys = files
    assert data.path.parent == tmp_path / "data" and keys.path.parent == tmp_path / "keystore"
    for item in files:
        meta = json.loads(item.sidecar.read_text())
        assert meta == item.meta
        assert meta["format"] == "klinika-backup/1" and meta["sha256"] == backup._sha256(item.path)
        assert meta["root_generation"] == keystore.current_root_generation() == 1
        # no root key in either backup, nor in its sidecar
        root_key = root_key_files.read_text().strip()
        assert root_key.encode() not in item.path.read_bytes() + item.sidecar.read_bytes()
    assert keys.meta["root_generations"] == [1]

    with clinic_context(live_clinic):  # life goes on after the backup
        Patient.objects.order_by("id").first().delete()
        Patient(**people.patient()).save()

    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(data.path, "data")
    backup.restore(data.path, "data", force=True)
    report = backup.restore(keys.path, "keystore", force=True)

    assert report.unreadable == [] and report.readable_keks >= 1 and not report.current_generation_missing
    keystore.forget_cached_keys()
    with clinic_context(live_clinic):
        assert [(p.pk, p.last_name, p.pesel, p.phone) for p in Patient.objects.order_by("id")] == before


def test_a_tampered_backup_is_refused_and_nothing_changes(live_clinic, tmp_path):
    names = last_names(live_clinic)
    data, keys = backup.backup(tmp_path / "data", tmp_path / "keystore")
    with clinic_context(live_clinic):
        Patient.objects.order_by("id").first().delete()
    after = last_names(live_clinic)
    blob = bytearray(data.path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    data.path.write_bytes(bytes(blob))

    with pytest.raises(backup.BackupError, match="does not match the SHA-256"):
        backup.restore(data.path, "data", force=True)
    assert last_names(live_clinic) == after != names

    with pytest.raises(backup.BackupError, match="is a keystore backup, not a data backup"):
        backup.restore(keys.path, "data", force=True)
    keys.sidecar.unlink()
    with pytest.raises(backup.BackupError, match="is missing"):
        backup.restore(keys.path, "keystore", force=True)
    assert last_names(live_clinic) == after


@pytest.mark.parametrize("keystore_out", ["same", "inside", "outside"])
def test_the_keystore_backup_goes_to_another_target(tmp_path, keystore_out):
    data_out = tmp_path / "backups"
    target = {"same": data_out, "inside": data_out / "keys", "outside": tmp_path}[keystore_out]
    with pytest.raises(backup.BackupError, match="different target"):
        backup.check_targets(data_out, target)
    assert not data_out.exists()
