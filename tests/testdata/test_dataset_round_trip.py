"""Arbitrary content files survive create → sign → load byte for byte, from a directory or a .tar,
and the clinic records where it came from."""
import os

import pytest

from klinika.crypto import keystore
from klinika.tenancy.context import clinic_context, cross_clinic
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import DatasetRefused, DatasetWriter
from klinika.testdata.models import DatasetProvenance
from tests.testdata.dataset_support import factory, make_dataset

pytestmark = pytest.mark.django_db

FILES = {
    "empty.bin": b"",
    "one-chunk.bin": b"x" * 64,  # exactly one chunk: the final one is empty
    "many-chunks.bin": os.urandom(64 * 9 + 5),
    "appointments.jsonl": "".join(f'{{"id": {n}, "note": "Wizyta kontrolna {n}"}}\n' for n in range(40)).encode(),
}


@pytest.mark.parametrize("suffix", ["", ".tar"])
def test_arbitrary_files_round_trip(settings, tmp_path, suffix):
    signer = factory(settings)
    path = make_dataset(tmp_path / f"ds{suffix}", signer, files=FILES)
    loaded = services.load_dataset(path, slug="zbior")

    assert loaded.names() == sorted(FILES)
    for name, data in FILES.items():
        assert loaded.read(name) == data, name
    assert [r["id"] for r in loaded.records("appointments.jsonl")] == list(range(40))
    assert loaded.manifest["counts"] == {"patients": 2} and loaded.manifest["origin"] == "synthetic"

    with clinic_context(loaded.clinic):
        row = DatasetProvenance.objects.get()
    assert row.origin == "dataset" and row.dataset_id == loaded.dataset_id and row.dataset_origin == "synthetic"
    assert bytes(row.manifest) == (loaded.path / "manifest.json").read_bytes()
    assert len(row.manifest_sha256) == 64 and len(bytes(row.signature)) == 64
    assert row.expires_at.isoformat(timespec="seconds") == loaded.manifest["expires"]
    # the staged copy stays encrypted: no content file's plaintext is on disk
    staged = b"".join(p.read_bytes() for p in loaded.path.rglob("*.enc"))
    assert b"Wizyta kontrolna" not in staged and FILES["many-chunks.bin"][:32] not in staged
    again = services.loaded_dataset(loaded.clinic)
    assert again.read("many-chunks.bin") == FILES["many-chunks.bin"]
    assert services.unsafe_clinics() == []


def test_a_recipient_key_opens_one_dataset_only(settings, tmp_path):
    signer = factory(settings)
    recipient = services.new_recipient_key()
    first = make_dataset(tmp_path / "a", signer, recipient=recipient)
    second = make_dataset(tmp_path / "b", signer, recipient=recipient)
    services.load_dataset(first, slug="a")
    with pytest.raises(DatasetRefused, match="recipient key .* was used or expired already"):
        services.load_dataset(second, slug="b")
    with pytest.raises(DatasetRefused, match="is loaded here already"):
        services.load_dataset(first, slug="c")


def test_a_dataset_for_another_environment_is_refused(settings, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    signer = factory(settings)
    elsewhere = X25519PrivateKey.generate().public_key().public_bytes_raw()
    path = make_dataset(tmp_path / "ds", signer, recipient=elsewhere)
    with pytest.raises(DatasetRefused, match="made for another test environment"):
        services.load_dataset(path)
    with cross_clinic("tests: nothing of a refused dataset is recorded"):
        assert not DatasetProvenance.objects.filter(origin="dataset").exists()


def test_the_writer_refuses_an_anonymized_dataset_without_k(tmp_path):
    keystore.ensure_owner_keys(services.TESTENV_KEY_OWNER)
    with pytest.raises(ValueError, match="states the k"):
        DatasetWriter(tmp_path / "x", origin="anonymized", recipient=os.urandom(32), generator="t")


def test_a_writer_that_fails_leaves_nothing(settings, tmp_path):
    factory(settings)

    def broken():
        yield b"some bytes"
        raise RuntimeError("the generator failed")

    for name in ("ds", "ds.tar"):
        with pytest.raises(RuntimeError), DatasetWriter(tmp_path / name, origin="synthetic",
                                                        recipient=services.new_recipient_key(), generator="t") as w:
            w.add_file("a.bin", broken())
    assert list(tmp_path.iterdir()) == []
