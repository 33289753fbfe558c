"""An installation from before root key generations: its key is generation 1, as it is."""
import base64
import hashlib
import hmac
import os

import pytest

from klinika.crypto import keystore
from klinika.crypto.models import KeyEncryptionKey, RootKeyCheck, RootKeyGeneration
from klinika.crypto.root import LocalRootKeyProvider, check_root_key

pytestmark = pytest.mark.django_db


def test_the_key_file_is_generation_one_with_the_same_fingerprint(tmp_path, monkeypatch):
    monkeypatch.delenv("KLINIKA_ROOT_KEY")
    key = os.urandom(32)
    path = tmp_path / "root.key"
    path.write_text(base64.b64encode(key).decode() + "\n")
    path.chmod(0o600)
    provider = LocalRootKeyProvider(path)
    assert provider.generations() == [1] and provider.generation_path(1) == path
    # what fingerprint() computed before generations existed
    assert provider.fingerprint(1) == provider.fingerprint() == hmac.new(
        key, b"klinika root key fingerprint v1", hashlib.sha256).hexdigest()


def test_an_existing_keystore_records_its_key_as_generation_one_and_rewraps_nothing(make_clinic):
    make_clinic()
    RootKeyGeneration.objects.using("keystore").all().delete()  # as right after the upgrade's migration
    blobs = dict(KeyEncryptionKey.objects.using("keystore").values_list("key_id", "wrapped"))

    check_root_key()

    first = RootKeyGeneration.objects.using("keystore").get()
    assert first.number == 1 and first.fingerprint == RootKeyCheck.objects.using("keystore").get().fingerprint
    assert dict(KeyEncryptionKey.objects.using("keystore").values_list("key_id", "wrapped")) == blobs
    assert set(KeyEncryptionKey.objects.using("keystore").values_list("root_generation", flat=True)) == {1}
    assert keystore.current_root_generation() == 1
