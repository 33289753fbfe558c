"""Making signed datasets in tests: a stand-in data factory (its own Ed25519 key and a production
root fingerprint that is not this process's), and a recipient key of this test environment."""
import datetime
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import DatasetWriter, Signer, b64


def factory(settings) -> Signer:
    """A data factory trusted by this test environment (KLINIKA_DATASET_FACTORY_KEYS)."""
    signer = Signer(Ed25519PrivateKey.generate(), os.urandom(32).hex())
    settings.KLINIKA_DATASET_FACTORY_KEYS = b64(signer.private_key.public_key().public_bytes_raw())
    return signer


def make_dataset(path, signer, *, recipient=None, files=None, now=None, days=30, chunk_size=64, **options):
    """A synthetic dataset of `files` ({name: bytes}) for `recipient` (a new one of this environment)."""
    recipient = recipient or services.new_recipient_key()
    files = {"patients.jsonl": b'{"n":1}\n{"n":2}\n', "notes.bin": os.urandom(1000)} if files is None else files
    writer = DatasetWriter(path, origin=options.pop("origin", "synthetic"), recipient=recipient,
                           generator="tests", parameters={"seed": 7}, days=days, chunk_size=chunk_size,
                           now=now or datetime.datetime.now(datetime.UTC), **options)
    for name, data in files.items():
        writer.add_file(name, [data[i:i + 100] for i in range(0, len(data), 100)] or [b""])
    return writer.finish(signer, counts={"patients": 2})
