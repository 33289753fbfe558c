"""The must-hold of issue 10: after a shred, `rotate-root` and the destruction of the old root key
generation, a keystore backup from before the shred opens nothing of the shredded clinic, while the
live system still reads the other clinics. And before that destruction the same backup WOULD open
it: what closes it is the generation, not anything else."""
import datetime

import pytest

from klinika.crypto import backup, keystore
from klinika.crypto.errors import RootKeyError
from klinika.crypto.fields import ERASED
from klinika.crypto.models import DataKey, KeyState
from klinika.lifecycle.services import shred_clinic
from klinika.testdata.synth_clinic import build_clinic
from tests.support.root_generations import last_names, pointed_at

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_pre_shred_keystore_backup_opens_nothing_once_its_root_generation_is_destroyed(
        root_key_files, database_copy, tmp_path, purge_signed_versions):
    a = build_clinic("Przychodnia A", slug="gen-a", patients=12, years=0.1, seed=11).clinic
    b = build_clinic("Przychodnia B", slug="gen-b", patients=12, years=0.1, seed=12).clinic
    names_a, names_b = last_names(a), last_names(b)
    assert len(names_a) == len(names_b) == 12

    data_file, keystore_file = (item.path for item in backup.backup(tmp_path / "data", tmp_path / "keystore"))

    shred_clinic(a, "contract ended")
    report = keystore.rotate_root()
    assert report.retired == (1,)
    assert set(last_names(a)) == {ERASED}  # live: shredded

    # Before generation 1 is destroyed, the pre-shred backups read clinic A in full.
    old_data, old_keys = database_copy("data"), database_copy("keystore")
    with pointed_at(data=old_data, keys=old_keys):
        backup.restore(data_file, "data")
        restored = backup.restore(keystore_file, "keystore")
        assert restored.unreadable == [] and restored.readable_keks >= 2
        assert last_names(a) == names_a

    assert keystore.destroy_due_root_generations(report.destroy_after + datetime.timedelta(minutes=1)) == [1]

    with pointed_at(data=old_data, keys=old_keys):
        # The same backup, restored again: every KEK in it is under generation 1, which is gone.
        restored = backup.restore(keystore_file, "keystore", force=True)
        unreadable = {entry.clinic_id: entry for entry in restored.unreadable}
        assert str(a.pk) in unreadable and str(b.pk) in unreadable
        assert unreadable[str(a.pk)].generation == 1 and unreadable[str(a.pk)].keys >= 4
        assert restored.readable_keks == 0 and restored.destroyed_generations == [1]
        assert restored.current_generation_missing
        with pytest.raises(RootKeyError, match="generation 1|Root key missing"):
            last_names(a)
        keys_of_a = list(DataKey.objects.using("keystore").filter(clinic_id=a.pk).exclude(state=KeyState.DESTROYED))
        assert len(keys_of_a) >= 4 + 12  # clinic-wide keys and one per patient at least
        for row in keys_of_a:  # not one key of clinic A opens from the old keystore
            keystore.forget_cached_keys()
            with pytest.raises(RootKeyError):
                keystore._unwrap(row)

    # Nor does the pre-shred data backup open with the live keystore: A's keys are destroyed there.
    with pointed_at(data=old_data):
        assert set(last_names(a)) == {ERASED}

    # The live system reads clinic B's current data.
    assert last_names(b) == names_b
