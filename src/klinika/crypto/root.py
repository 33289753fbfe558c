"""The root key: the only secret outside the keystore. It wraps the clinic KEKs.

Providers: a local key file (created on first run, mode 0600) or the KLINIKA_ROOT_KEY
environment variable. A KMS or Vault provider implements the same two calls (wrap,
unwrap) against the remote service; the root key material then never enters the process.
"""
import base64
import binascii
import hashlib
import hmac
import os
import stat
import sys
from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from klinika.crypto.errors import RootKeyError
from klinika.paths import root_key_file

ENV_VAR = "KLINIKA_ROOT_KEY"


class RootKeyProvider(ABC):
    name = "abstract"

    @abstractmethod
    def wrap(self, plaintext: bytes, aad: bytes) -> bytes: ...

    @abstractmethod
    def unwrap(self, blob: bytes, aad: bytes) -> bytes: ...

    @abstractmethod
    def fingerprint(self) -> str:
        """A value that identifies the key without revealing it."""

    def create_if_missing(self) -> bool:
        """Make a new key when none exists yet (first run); True if one was made."""
        return False


class LocalRootKeyProvider(RootKeyProvider):
    """32 random bytes, base64, from KLINIKA_ROOT_KEY or from a 0600 key file."""

    name = "local"

    def __init__(self, path: Path | None = None):
        self.path = path or root_key_file()
        self._key: bytes | None = None

    def _source(self) -> str:
        return f"the environment variable {ENV_VAR}" if os.environ.get(ENV_VAR) else f"the key file {self.path}"

    def create_if_missing(self) -> bool:
        if os.environ.get(ENV_VAR) or self.path.exists():
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path.parent, 0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        return True

    def key(self) -> bytes:
        if self._key is None:
            self._key = self._load()
        return self._key

    def _load(self) -> bytes:
        text = os.environ.get(ENV_VAR)
        if text is None:
            try:
                mode = self.path.stat().st_mode
            except FileNotFoundError:
                raise RootKeyError(
                    f"Root key missing: {self.path} does not exist. Restore the key file from "
                    f"your key backup, or set {ENV_VAR}; without it no data can be read."
                ) from None
            except PermissionError:
                raise RootKeyError(f"Root key unreadable: no permission to read {self.path}.") from None
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise RootKeyError(
                    f"Root key file {self.path} is readable by others (mode {oct(mode & 0o777)}); "
                    f"run `chmod 600 {self.path}`."
                )
            try:
                text = self.path.read_text()
            except (PermissionError, IsADirectoryError, UnicodeDecodeError) as exc:
                raise RootKeyError(f"Root key unreadable: cannot read {self.path} ({exc}).") from None
        try:
            key = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise RootKeyError(
                f"Root key unreadable: {self._source()} must hold 32 random bytes in base64 "
                f"(44 characters); generate one with "
                f"`python -c \"import base64,os;print(base64.b64encode(os.urandom(32)).decode())\"`."
            )
        return key

    def wrap(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self.key()).encrypt(nonce, plaintext, aad)

    def unwrap(self, blob: bytes, aad: bytes) -> bytes:
        try:
            return AESGCM(self.key()).decrypt(blob[:12], blob[12:], aad)
        except InvalidTag:
            raise RootKeyError(
                "Wrong root key: a key wrapped by the keystore's root key does not open with the "
                f"key from {self._source()}."
            ) from None

    def fingerprint(self) -> str:
        return hmac.new(self.key(), b"klinika root key fingerprint v1", hashlib.sha256).hexdigest()


@lru_cache(maxsize=1)
def provider() -> RootKeyProvider:
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(settings.KLINIKA_ROOT_KEY_PROVIDER)()


def reset_provider():
    provider.cache_clear()


def check_root_key():
    """Make sure the root key is there and is the keystore's; create it on a first run.

    Raises RootKeyError with a message naming the cause and the fix.
    """
    from django.db import DatabaseError

    from klinika.crypto.models import RootKeyCheck

    root = provider()
    try:
        check = RootKeyCheck.objects.filter(pk=1).first()
    except DatabaseError:
        check = None  # keystore not migrated yet: this is the first run
    if check is None:
        root.create_if_missing()
        fingerprint = root.fingerprint()
        try:
            RootKeyCheck.objects.get_or_create(pk=1, defaults={"provider": root.name, "fingerprint": fingerprint})
        except DatabaseError:
            pass  # recorded once the keystore is migrated
        return
    if not hmac.compare_digest(check.fingerprint, root.fingerprint()):
        raise RootKeyError(
            "Wrong root key: the keystore was created with another root key "
            f"(provider {check.provider}). Restore the original key; a new key cannot read existing data."
        )


def check_root_key_or_exit():
    try:
        check_root_key()
    except RootKeyError as exc:
        sys.stderr.write(f"klinika: {exc}\n")
        raise SystemExit(2) from None
