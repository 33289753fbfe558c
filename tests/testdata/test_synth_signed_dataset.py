"""`klinika synth ... --out DATASET --to KEY`: in production the generated clinic leaves as a signed,
expiring synthetic dataset for one test environment (its manifest says synthetic, the generator,
the seed and the counts) and the clinic is shredded where it was made; outside production, or
with a bad key or an existing path, it refuses before generating anything."""
import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management import CommandError, call_command

from klinika.tenancy.models import Clinic
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import b64, open_dataset
from tests.testdata.live_clinic_support import records_of

pytestmark = pytest.mark.django_db


def _synth(tmp_path, *extra):
    call_command("synth", "--clinic", "Przychodnia Wzorcowa", "--slug", "wzorcowa", "--patients", "120", "--years",
                 "0.3", "--seed", "11", "--batch-size", "120", *extra)


def test_production_writes_a_signed_synthetic_dataset_and_keeps_no_clinic(settings, tmp_path, capsys):
    settings.KLINIKA_ENV = "production"
    recipient = X25519PrivateKey.generate()
    _synth(tmp_path, "--out", str(tmp_path / "synth.tar"), "--to", b64(recipient.public_key().public_bytes_raw()),
           "--days", "10")
    out = capsys.readouterr().out
    assert f"signed synthetic dataset {tmp_path / 'synth.tar'}: " in out and "is shredded here" in out
    assert Clinic.objects.get(slug="wzorcowa").status == Clinic.Status.TERMINATED

    now = datetime.datetime.now(datetime.UTC)
    dataset = open_dataset(tmp_path / "synth.tar", [services.factory_public_key()], now)
    try:
        manifest = dataset.manifest
        assert manifest["origin"] == "synthetic" and manifest["generator"] == "klinika-synth/1"
        assert manifest["parameters"]["seed"] == 11 and manifest["parameters"]["clinic_slug"] == "wzorcowa"
        assert 9 <= (dataset.expires - now).days <= 10
        key = dataset.unwrap_key(recipient.private_bytes_raw())
        records = records_of({name: b"".join(dataset.chunks(name, key)).decode() for name in dataset.names()})
    finally:
        dataset.close()
    assert len(records["patients"]) == manifest["counts"]["patients"] == 120
    assert len(records["appointments"]) == manifest["counts"]["appointments"] > 50
    assert records["encounters"] and records["staff"]


@pytest.mark.parametrize("env, extra, message", [
    ("staging", ["--to", b64(bytes(32))], "KLINIKA_ENV=production"),
    ("production", [], "--out and --to go together"),
    ("production", ["--to", "nie-klucz"], "--to is not a recipient key"),
])
def test_refused_before_anything_is_generated(settings, tmp_path, env, extra, message):
    settings.KLINIKA_ENV = env
    args = ["--out", str(tmp_path / "synth.tar"), *extra] if extra else ["--to", b64(bytes(32))]
    with pytest.raises(CommandError, match=message):
        _synth(tmp_path, *args)
    assert not Clinic.objects.filter(slug="wzorcowa").exists()
    assert not (tmp_path / "synth.tar").exists()


def test_an_existing_path_is_never_overwritten(settings, tmp_path):
    settings.KLINIKA_ENV = "production"
    (tmp_path / "synth.tar").write_bytes(b"kept")
    with pytest.raises(CommandError, match="exists already"):
        _synth(tmp_path, "--out", str(tmp_path / "synth.tar"), "--to", b64(bytes(32)))
    assert (tmp_path / "synth.tar").read_bytes() == b"kept"
    assert not Clinic.objects.filter(slug="wzorcowa").exists()
