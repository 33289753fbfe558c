"""Crypto-shred as an operator meets it: real files, the real command, a backup taken before."""
import json
import os
import shutil
import sqlite3

import pytest

from tests.klinika_cli import run_klinika

READ_ALL = """
import json
from klinika.tenancy.models import Clinic
from klinika.tenancy.context import clinic_context
from klinika.patients.models import Patient
out = {}
for clinic in Clinic.objects.all():
    with clinic_context(clinic):
        out[clinic.slug] = [str(p.last_name) for p in Patient.objects.order_by("id")]
print(json.dumps(out))
"""


def klinika(data_dir, *args, check=True):
    result = run_klinika(data_dir, *args)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def read_all(data_dir):
    return json.loads(klinika(data_dir, "shell", "--no-imports", "-c", READ_ALL).stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def two_clinics(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("shred")
    klinika(data_dir, "demo", "--no-serve")
    klinika(data_dir, "clinic", "create", "Przychodnia Druga", "--slug", "druga")
    klinika(data_dir, "shell", "-c", (
        "from klinika.tenancy.context import clinic_context\n"
        "from klinika.tenancy.models import Clinic\n"
        "from klinika.patients.models import Patient\n"
        "from klinika.testdata.synthetic import SyntheticPeople\n"
        "people = SyntheticPeople(3)\n"
        "with clinic_context(Clinic.objects.get(slug='druga')):\n"
        "    [Patient(**people.patient()).save() for _ in range(5)]\n"))
    return data_dir


def test_a_backup_from_before_the_shred_is_unreadable_afterwards(two_clinics, tmp_path):
    data_dir = tmp_path / "live"
    shutil.copytree(two_clinics, data_dir)
    before = read_all(data_dir)
    assert len(before["demo"]) >= 50 and len(before["druga"]) == 5

    backup = tmp_path / "backup.sqlite3"
    with sqlite3.connect(data_dir / "klinika.sqlite3") as source, sqlite3.connect(backup) as target:
        source.backup(target)

    result = klinika(data_dir, "keys", "shred", "demo", "--yes", "--reason", "contract ended")
    assert "keys destroyed" in result.stdout

    # The old backup is restored next to the (shredded) keystore and the root key.
    shutil.copy(backup, data_dir / "klinika.sqlite3")
    for suffix in ("-wal", "-shm"):
        (data_dir / f"klinika.sqlite3{suffix}").unlink(missing_ok=True)
    after = read_all(data_dir)
    # every name now reads as the one "[erased]" placeholder (translated), none as a name
    assert len(set(after["demo"])) == 1 and not set(after["demo"]) & set(before["demo"])
    assert after["druga"] == before["druga"]


def test_shredded_key_material_is_gone_from_the_keystore_file(two_clinics, tmp_path):
    data_dir = tmp_path / "live"
    shutil.copytree(two_clinics, data_dir)
    with sqlite3.connect(data_dir / "keystore.sqlite3") as db:
        wrapped = [bytes(row[0]) for row in db.execute(
            "SELECT k.wrapped FROM crypto_datakey k WHERE k.wrapped IS NOT NULL")]
    assert wrapped
    klinika(data_dir, "keys", "shred", "demo", "--yes")
    druga_keys = set()
    with sqlite3.connect(data_dir / "keystore.sqlite3") as db:
        druga_keys = {bytes(row[0]) for row in db.execute(
            "SELECT wrapped FROM crypto_datakey WHERE wrapped IS NOT NULL")}
    raw = b"".join((data_dir / name).read_bytes() for name in os.listdir(data_dir)
                   if name.startswith("keystore.sqlite3"))
    for blob in wrapped:
        if blob not in druga_keys:
            assert blob not in raw, "destroyed key material still lies in the keystore file"


def test_the_shred_needs_confirmation_without_yes(two_clinics, tmp_path):
    data_dir = tmp_path / "live"
    shutil.copytree(two_clinics, data_dir)
    result = klinika(data_dir, "keys", "shred", "demo", check=False)
    assert result.returncode != 0 and "--yes" in result.stderr
    assert len(read_all(data_dir)["demo"]) >= 50
