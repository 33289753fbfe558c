"""Unsigned, changed, expired, wrongly signed, truncated or reordered datasets are refused, each
with a message naming the problem, and nothing of them is loaded."""
import datetime
import hashlib
import json
import shutil
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from klinika.crypto import keystore
from klinika.tenancy.context import cross_clinic
from klinika.tenancy.models import Clinic
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import DatasetRefused, Signer, b64
from klinika.testdata.models import DatasetProvenance
from tests.testdata.dataset_support import factory, make_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(settings, tmp_path):
    signer = factory(settings)
    return make_dataset(tmp_path / "ds", signer, files={"notes.bin": bytes(range(256)) * 3})


def _flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _refused(path, match):
    clinics = set(Clinic.objects.values_list("slug", flat=True))
    staged = _staged()
    with pytest.raises(DatasetRefused, match=match) as caught:
        services.load_dataset(path, slug="never")
    assert set(Clinic.objects.values_list("slug", flat=True)) == clinics
    with cross_clinic("tests: nothing of a refused dataset is recorded"):
        assert not DatasetProvenance.objects.filter(origin="dataset").exists()
    assert _staged() == staged
    return str(caught.value)


def _staged():
    root = services.staging_root()
    return sorted(root.iterdir()) if root.exists() else []


def test_unsigned(dataset):
    (dataset / "manifest.sig").unlink()
    assert "Unsigned dataset" in _refused(dataset, "no manifest.sig")


def test_one_byte_changed_in_the_manifest(dataset):
    body = (dataset / "manifest.json").read_bytes()
    (dataset / "manifest.json").write_bytes(body.replace(b'"seed":7', b'"seed":8'))
    _refused(dataset, "Bad signature: manifest.json .* was changed after it was signed")


def test_one_byte_changed_in_a_content_file(dataset):
    _flip(dataset / "content" / "notes.bin.enc", 40)
    _refused(dataset, "Content file notes.bin was changed: its SHA-256 is not the one in the signed manifest")


def test_one_byte_changed_in_a_tar(settings, tmp_path):
    signer = factory(settings)
    path = make_dataset(tmp_path / "ds.tar", signer, files={"notes.bin": b"abc" * 500})
    data = path.read_bytes()
    _flip(path, data.index(b"KDS1") + 30)  # inside the content file's first chunk
    _refused(path, "Content file notes.bin was changed")


def test_expired(settings, tmp_path):
    signer = factory(settings)
    made = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=31)
    path = make_dataset(tmp_path / "ds", signer, now=made, days=30)
    _refused(path, r"Expired dataset: .* expired on")


def test_signed_by_an_unknown_key(settings, tmp_path):
    factory(settings)  # the trusted factory
    stranger = Signer(Ed25519PrivateKey.generate(), "0" * 64)
    path = make_dataset(tmp_path / "ds", stranger)
    message = _refused(path, r"Dataset signed by an unknown key \([0-9a-f]{16}\): "
                             r"not one of KLINIKA_DATASET_FACTORY_KEYS")
    assert settings.KLINIKA_DATASET_FACTORY_KEYS not in message  # named by fingerprint


def test_no_factory_key_configured(settings, dataset):
    settings.KLINIKA_DATASET_FACTORY_KEYS = ""
    _refused(dataset, "No dataset factory key is configured: set KLINIKA_DATASET_FACTORY_KEYS")


def test_a_resigned_manifest_with_a_swapped_content_file(settings, tmp_path):
    """Chunks of another dataset (its own hashes, signed anew) do not decrypt under this one's key."""
    signer = factory(settings)
    recipient = services.new_recipient_key()
    a = make_dataset(tmp_path / "a", signer, recipient=recipient, files={"notes.bin": b"a" * 300})
    b = make_dataset(tmp_path / "b", signer, files={"notes.bin": b"b" * 300})
    shutil.copy(b / "content" / "notes.bin.enc", a / "content" / "notes.bin.enc")
    _resign(a, signer, lambda m: m["files"].update(json.loads((b / "manifest.json").read_bytes())["files"]))
    _refused(a, "Content file notes.bin: chunk 0 was changed, moved or does not belong to this dataset")


def _frames(path):
    data = path.read_bytes()
    frames, at = [], 4
    while at < len(data):
        final, length = struct.unpack(">BI", data[at:at + 5])
        frames.append(data[at:at + 5 + 12 + length])
        at += 5 + 12 + length
    return data[:4], frames


@pytest.mark.parametrize("change, match", [
    (lambda frames: frames[:-1], "truncated: it ends before its final chunk"),
    (lambda frames: [frames[1], frames[0], *frames[2:]], "chunk 0 was changed, moved"),
    (lambda frames: [*frames, frames[-1]], "data after its final chunk"),
])
def test_truncated_or_reordered_chunks(settings, tmp_path, change, match):
    signer = factory(settings)
    path = make_dataset(tmp_path / "ds", signer, files={"notes.bin": bytes(range(200))}, chunk_size=64)
    file = path / "content" / "notes.bin.enc"
    magic, frames = _frames(file)
    assert len(frames) == 4
    file.write_bytes(magic + b"".join(change(frames)))
    # a dishonest factory could re-sign the hashes: the chunk framing alone must still catch it
    _resign(path, signer, lambda m: m["files"]["notes.bin"].update(
        sha256=hashlib.sha256(file.read_bytes()).hexdigest()))
    _refused(path, match)


def _resign(path, signer, edit):
    from klinika.testdata.datasets.container import canonical

    manifest = json.loads((path / "manifest.json").read_bytes())
    edit(manifest)
    body = canonical(manifest)
    (path / "manifest.json").write_bytes(body)
    (path / "manifest.sig").write_text(b64(signer.private_key.sign(body)))


def test_a_refused_load_keeps_the_recipient_key(settings, tmp_path):
    signer = factory(settings)
    recipient = services.new_recipient_key()
    path = make_dataset(tmp_path / "ds", signer, recipient=recipient)
    _flip(path / "content" / "notes.bin.enc", 50)
    _refused(path, "was changed")
    material = keystore.expiring_key(services.TESTENV_KEY_OWNER, services.recipient_ref(recipient),
                                     datetime.datetime.now(datetime.UTC))
    assert len(material) == 32
