"""`klinika keys erase-subject` then `klinika keys rotate CLINIC --index`, as an operator runs
them, against a copy of the clinic database taken before the erasure (docs/erasure.md).

Before the rotation the backup still holds the erased person's PESEL index, and the live
keystore recomputes exactly that value from their PESEL: whoever holds both can tell the person
was a patient. After it, nothing the live keystore computes for that PESEL is in the backup.
"""
import json
import sqlite3

from tests.cli.support import klinika_env, run

# Prints what the live keystore computes for $PESEL, and whether search finds each of $OTHERS.
_LIVE = r'''
import json, os
from klinika.crypto import blind
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic

clinic = Clinic.objects.get(slug="demo")
with clinic_context(clinic):
    tokens = [t.hex() for t in blind.compute_all(clinic.pk, "patients_patient.pesel",
                                                  blind.normalise_digits(os.environ["PESEL"]))]
    found = [Patient.objects.matching(pesel=p).exists() for p in json.loads(os.environ["OTHERS"])]
print("KLINIKA-LIVE " + json.dumps({"tokens": tokens, "found": found}))
'''


def live(env, pesel, others):
    result = run(["shell", "-v", "0", "-c", _LIVE], {**env, "PESEL": pesel, "OTHERS": json.dumps(others)},
                 check=True)
    line = next(line for line in result.stdout.splitlines() if line.startswith("KLINIKA-LIVE "))
    return json.loads(line.removeprefix("KLINIKA-LIVE "))


def backup(data_dir, target):
    source = sqlite3.connect(data_dir / "klinika.sqlite3")
    copy = sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()


def pesel_indexes(database) -> dict[int, str]:
    con = sqlite3.connect(database)
    try:
        rows = con.execute("SELECT id, pesel_index FROM patients_patient WHERE pesel_index IS NOT NULL").fetchall()
    finally:
        con.close()
    return {pk: bytes(value).hex() for pk, value in rows}


def test_after_erasure_and_index_rotation_an_old_backup_no_longer_matches(seeded, tmp_path):
    data_dir = seeded.copy(tmp_path)
    env = klinika_env(data_dir, KLINIKA_KEY_REVOCATION_SECONDS="0.1")  # no server runs: no need to wait long
    old_backup = tmp_path / "backup-before-erasure.sqlite3"
    backup(data_dir, old_backup)

    con = sqlite3.connect(data_dir / "klinika.sqlite3")
    (victim_pk, subject_ref), *_ = con.execute("SELECT id, subject_ref FROM patients_patient ORDER BY id").fetchall()
    con.close()
    victim, *others = [p for p in seeded.values["patients"]]  # read back in id order
    others = [p["pesel"] for p in others if p["pesel"]][:5]
    assert others

    result = run(["keys", "erase-subject", "demo", subject_ref, "--reason", "test: retention ended"], env, check=True)
    assert "erased subject" in result.stdout
    assert victim_pk not in pesel_indexes(data_dir / "klinika.sqlite3")
    in_backup = pesel_indexes(old_backup)

    before = live(env, victim["pesel"], others)
    assert in_backup[victim_pk] in before["tokens"]  # the backup still gives the person away

    result = run(["keys", "rotate", "demo", "--index"], env, check=True)
    assert "rotated the index key of demo" in result.stdout and "destroyed" in result.stdout, result.stdout
    assert "Traceback" not in result.stderr

    after = live(env, victim["pesel"], others)
    assert not set(after["tokens"]) & set(in_backup.values())  # nothing in the backup matches any more
    assert after["found"] == [True] * len(others)  # and search still finds everyone else
