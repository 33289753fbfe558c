"""`klinika anonymize --from-records DIR`: klinika-records/v1 NDJSON in, a signed, encrypted
dataset out that opens for its recipient and holds the anonymized records and the report; the
command refuses outside production (only there is the data factory's signing key)."""
import datetime
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management import CommandError, call_command

from klinika.testdata.anonymize.records_io import anonymize_records_dir, write_ndjson
from klinika.testdata.datasets.container import Signer, b64, open_dataset
from tests.testdata.anonymize_support import REFERENCE_DATE, clinic


@pytest.fixture
def records_dir(tmp_path):
    source = clinic()
    directory = tmp_path / "records"
    directory.mkdir()
    for name in ("patients", "appointments", "notes", "staff"):
        write_ndjson(directory / f"{name}.ndjson", source[name])
    return directory


def test_ndjson_records_become_a_signed_dataset_without_source_values(records_dir, tmp_path):
    signer = Signer(Ed25519PrivateKey.generate(), os.urandom(32).hex())
    recipient = X25519PrivateKey.generate()
    report = anonymize_records_dir(records_dir, tmp_path / "anon.tar", signer=signer, today=REFERENCE_DATE,
                                   recipient=recipient.public_key().public_bytes_raw())
    dataset = open_dataset(tmp_path / "anon.tar", [signer.private_key.public_key().public_bytes_raw()],
                           datetime.datetime.now(datetime.UTC))
    try:
        assert dataset.manifest["origin"] == "anonymized" and dataset.manifest["k"] >= 5
        key = dataset.unwrap_key(recipient.private_bytes_raw())
        content = {name: b"".join(dataset.chunks(name, key)).decode() for name in dataset.names()}
    finally:
        dataset.close()
    patients = [json.loads(line) for line in content["patients.jsonl"].splitlines()]
    assert len(patients) == report["counts"]["patients"] == dataset.manifest["counts"]["patients"]
    assert json.loads(content["report.json"])["k_anonymity"]["k_achieved"] >= 5
    everything = "".join(content.values())
    assert not [p for p in clinic()["patients"] if p["pesel"] and p["pesel"] in everything]
    assert not [p for p in clinic()["patients"] if p["email"] and p["email"] in everything]


def test_the_command_refuses_outside_production(records_dir, tmp_path):
    recipient = b64(X25519PrivateKey.generate().public_key().public_bytes_raw())
    with pytest.raises(CommandError, match="KLINIKA_ENV=production"):
        call_command("anonymize", "--from-records", str(records_dir), "--out", str(tmp_path / "out"), "--to", recipient)
    assert not (tmp_path / "out").exists()
