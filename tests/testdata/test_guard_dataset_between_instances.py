"""The whole way of a dataset, between two real installations: production exports its factory key
and signs a dataset for the test environment's one-time recipient key; the test environment loads
it and starts; a changed byte, or a factory key it no longer trusts, stops it."""
import shutil

from tests.cli.support import klinika_env, run

PRODUCE = """
from klinika.testdata.datasets.container import DatasetWriter, unb64
from klinika.testdata.datasets.services import factory_signer
writer = DatasetWriter({out!r}, origin="synthetic", recipient=unb64({recipient!r}, 32), generator="tests",
                       parameters={{"clinic_name": "Przychodnia Syntetyczna", "clinic_slug": "syntetyczna"}})
import json
from klinika.testdata.synth import generate_patients
people = [json.loads(json.dumps(row, default=str)) for batch in generate_patients(20, seed=3) for row in batch.rows()
          if row["guardian"] is None][:5]
writer.add_records("patients.jsonl", people)
writer.finish(factory_signer())
"""


def _install(data, **extra):
    env = klinika_env(data, **extra)
    run(["migrate", "--database", "default", "--no-input", "-v", "0"], env, check=True)
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    return env


def test_a_dataset_signed_in_production_loads_in_staging(tmp_path):
    production = _install(tmp_path / "production", KLINIKA_ENV="production")
    factory_key = run(["testenv", "factory-key"], production, check=True).stdout.strip()
    staging = _install(tmp_path / "staging", KLINIKA_ENV="staging", KLINIKA_DATASET_FACTORY_KEYS=factory_key)
    recipient = run(["testenv", "recipient-key"], staging, check=True).stdout.strip()
    second = run(["testenv", "recipient-key"], staging, check=True).stdout.strip()
    out, spare = tmp_path / "dataset.tar", tmp_path / "spare.tar"
    run(["shell", "--no-imports", "-c", PRODUCE.format(out=str(out), recipient=recipient)], production, check=True)
    run(["shell", "--no-imports", "-c", PRODUCE.format(out=str(spare), recipient=second)], production, check=True)

    # one byte changed: refused, nothing loaded
    changed = tmp_path / "changed.tar"
    shutil.copy(spare, changed)
    data = bytearray(changed.read_bytes())
    data[data.index(b'"generator":"tests"') + 14] ^= 0x20  # "tests" -> "Tests" inside the signed manifest
    changed.write_bytes(bytes(data))
    refused = run(["testenv", "load", str(changed)], staging)
    assert refused.returncode == 1 and "Bad signature: manifest.json" in refused.stderr, refused.stderr
    assert "no clinics" in run(["testenv", "status"], staging, check=True).stdout

    loaded = run(["testenv", "load", str(out)], staging, check=True).stdout
    assert "loaded synthetic dataset" in loaded and "as clinic syntetyczna" in loaded and "patients 5" in loaded
    assert "imported patients 5" in loaded
    status = run(["testenv", "status"], staging, check=True).stdout
    assert "syntetyczna: synthetic dataset" in status and "29 day(s) left, loaded" in status
    started = run(["shell", "--no-imports", "-c", "print('started')"], staging, check=True)
    assert started.stdout.strip() == "started"

    # the factory key is no longer trusted (rotated out of the configuration): the clinic stops the start
    untrusting = {**staging, "KLINIKA_DATASET_FACTORY_KEYS": recipient}  # some other 32-byte key
    stopped = run(["shell", "--no-imports", "-c", "print('started')"], untrusting)
    assert stopped.returncode == 2
    assert "syntetyczna: its dataset signature does not verify with KLINIKA_DATASET_FACTORY_KEYS" in stopped.stderr
