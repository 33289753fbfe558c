"""A root key that was published (committed once, still in the git history) is refused at start."""
import base64
import os

import pytest

from klinika.crypto import root
from klinika.crypto.errors import RootKeyError


@pytest.fixture
def published_key(monkeypatch, tmp_path):
    key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv(root.ENV_VAR, key)
    provider = root.LocalRootKeyProvider(tmp_path / "root.key")
    monkeypatch.setattr(root, "BURNED_FINGERPRINTS", frozenset({provider.fingerprint()}))
    monkeypatch.setattr(root, "provider", lambda: provider)
    return provider


@pytest.mark.django_db
def test_a_burned_root_key_stops_the_process_with_one_line(published_key):
    with pytest.raises(RootKeyError) as refused:
        root.check_root_key()
    message = str(refused.value)
    assert message.startswith("Burned root key:") and "\n" not in message
    assert "KLINIKA_ROOT_KEY" in message  # names where the key came from


@pytest.mark.django_db
def test_any_other_key_passes(monkeypatch):
    monkeypatch.setattr(root, "BURNED_FINGERPRINTS", frozenset({"0" * 64}))
    root.check_root_key()

