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

# Fingerprints of root keys that were published and protect nothing any more: the development
# key once committed by mistake (src/klinika/var/secrets/root.key, still in the git history).
# An installation holding one of them could be read by anyone with a clone of the repository.
BURNED_FINGERPRINTS = frozenset({
    "92c1dc9796ac2ef886c524098ea0fbb2896be37c3594ff1d7daae45e8a3f6d47",  # pragma: allowlist secret (a fingerprint)
})


def kek_aad(clinic_id, kek_id) -> bytes:
    """What a clinic KEK is bound to when the root key wraps it: its clinic and its own id."""
    return b"klinika/kek/v1|" + clinic_id.bytes + kek_id.bytes


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

    def source(self) -> str:
        """Where the key comes from, for error messages (never the key itself)."""
        return f"the {self.name} root key provider"


class LocalRootKeyProvider(RootKeyProvider):
    """32 random bytes, base64, from KLINIKA_ROOT_KEY or from a 0600 key file."""

    name = "local"

    def __init__(self, path: Path | None = None):
        self.path = path or root_key_file()
        self._key: bytes | None = None

    @staticmethod
    def _env_text() -> str | None:
        # An empty KLINIKA_ROOT_KEY (e.g. `KLINIKA_ROOT_KEY=` in an env file) counts as unset,
        # everywhere alike: otherwise one place would read the file and another the empty value.
        return os.environ.get(ENV_VAR, "").strip() or None

    def source(self) -> str:
        return f"the environment variable {ENV_VAR}" if self._env_text() else f"the key file {self.path}"

    def create_if_missing(self) -> bool:
        if self._env_text() or os.path.lexists(self.path):
            return False
        if not self.path.parent.exists():
            # Only a directory made here is narrowed to 0700: a KLINIKA_ROOT_KEY_FILE in an
            # existing directory (/etc/klinika, a home directory, /tmp) keeps its mode.
            self.path.parent.mkdir(parents=True, mode=0o700)
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
        text = self._env_text()
        if text is None:
            try:
                mode = self.path.stat().st_mode
            except FileNotFoundError:
                raise RootKeyError(
                    f"Root key missing: {self.path} does not exist. Restore the key file from "
                    f"your key backup, or set {ENV_VAR}; without it no data can be read."
                ) from None
            except PermissionError:
                raise RootKeyError(
                    f"Root key unreadable: no permission to read {self.path}; run klinika as the "
                    f"user that owns the key file (and keep its mode 600)."
                ) from None
            if not stat.S_ISREG(mode):
                raise RootKeyError(
                    f"Root key unreadable: {self.path} is not a file; put the key file from your "
                    f"key backup there (mode 600), or point {ENV_VAR}_FILE at it."
                )
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise RootKeyError(
                    f"Root key file {self.path} is open to other users (mode {oct(mode & 0o777)}); "
                    f"run `chmod 600 {self.path}`."
                )
            try:
                text = self.path.read_bytes().decode("ascii")
            except PermissionError:
                raise RootKeyError(
                    f"Root key unreadable: no permission to read {self.path}; run klinika as the "
                    f"user that owns the key file (and keep its mode 600)."
                ) from None
            except UnicodeDecodeError:
                text = ""  # not base64: reported below
            except OSError as exc:
                raise RootKeyError(
                    f"Root key unreadable: cannot read {self.path} ({exc.strerror}); restore the key "
                    f"file from your key backup."
                ) from None
        try:
            key = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            # Generating a new key is the fix only for a new installation: an existing
            # keystore opens with its original key alone.
            raise RootKeyError(
                f"Root key unreadable: {self.source()} does not hold a key (32 random bytes in "
                f"base64, 44 characters); restore it from your key backup. Only a new "
                f"installation takes a fresh key: "
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
                f"key from {self.source()}."
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


def check_root_key(clinics=None):
    """Make sure the root key is there and is the keystore's; create it on a first run.

    A first run is a keystore that holds no key yet. Only then is a missing key file made:
    a keystore that cannot be reached, or one holding keys, never gets a new root key.
    `clinics` ({id: slug}, from the clinic database) must each have keys in the keystore: a
    keystore replaced by an empty or another one is refused before anything is recorded in it.
    Raises RootKeyError with a message naming the cause and the fix.
    """
    from django.db import DatabaseError, connections, router

    from klinika.crypto.models import KeyEncryptionKey, RootKeyCheck

    root = provider()
    _refuse_burned(root)
    alias = router.db_for_write(RootKeyCheck)
    try:
        tables = set(connections[alias].introspection.table_names())
    except DatabaseError as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RootKeyError(
            f"Keystore unreachable: cannot open the {alias} database ({reason}); check "
            f"KEYSTORE_DATABASE_URL (or the data directory) and that the database server runs."
        ) from None
    if clinics:
        check_keystore_holds(clinics, alias, tables)
    if RootKeyCheck._meta.db_table not in tables:
        # Not migrated yet: the first run. The post_migrate hook records the fingerprint.
        root.create_if_missing()
        root.fingerprint()  # a key that cannot be loaded stops the first run too
        return
    check = RootKeyCheck.objects.using(alias).filter(pk=1).first()
    if check is None:
        live = KeyEncryptionKey.objects.using(alias).filter(wrapped__isnull=False).first()
        if live is None:
            root.create_if_missing()
        fingerprint = root.fingerprint()
        if live is not None:
            # Keys exist but their root key was never recorded: the key at hand must open
            # them before it is recorded as this keystore's (raises "Wrong root key").
            root.unwrap(bytes(live.wrapped), kek_aad(live.clinic_id, live.key_id))
        RootKeyCheck.objects.using(alias).get_or_create(
            pk=1, defaults={"provider": root.name, "fingerprint": fingerprint, "environment": _environment()}
        )
        return
    if not hmac.compare_digest(check.fingerprint, root.fingerprint()):
        raise RootKeyError(
            f"Wrong root key: the key from {root.source()} is not the root key this keystore was "
            f"created with (provider {check.provider}). Restore the original key from your key "
            f"backup; a new key cannot read existing data."
        )
    check_not_production_keystore(check, alias)


def _environment() -> str:
    from django.conf import settings

    return getattr(settings, "KLINIKA_ENV", "")


def check_not_production_keystore(check, alias: str) -> None:
    """A keystore production has opened is marked so; any other environment refuses it (a copy of
    production's keys and root key would open production's data: docs/test-environments.md)."""
    from klinika.crypto.models import RootKeyCheck

    environment = _environment()
    if environment == "production" and check.environment != "production":
        RootKeyCheck.objects.using(alias).filter(pk=1).update(environment="production")
    elif environment != "production" and check.environment == "production":
        raise RootKeyError(
            f"Production root key: this keystore and its root key belong to a production instance, and "
            f"this one runs with KLINIKA_ENV={environment}. Test environments never hold production keys "
            f"or data: start from an empty data directory and load a signed dataset (`klinika testenv "
            f"load`), or set KLINIKA_ENV=production if this is production."
        )


def check_keystore_holds(clinics, alias: str, tables) -> None:
    """Every clinic of the clinic database has a key-encryption key here (a shredded clinic keeps
    its destroyed one): otherwise every page of its data would fail, one by one, at run time."""
    from klinika.crypto.models import KeyEncryptionKey

    known = set()
    if KeyEncryptionKey._meta.db_table in tables:
        known = set(KeyEncryptionKey.objects.using(alias).values_list("clinic_id", flat=True).distinct())
    missing = sorted(slug for clinic_id, slug in clinics.items() if clinic_id not in known)
    if missing:
        named = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise KeystoreMismatch(
            f"Keystore does not match the clinic database: {len(missing)} of {len(clinics)} clinics "
            f"({named}) have no keys in the {alias} database: it is empty or another installation's. "
            f"Restore the keystore that belongs to this clinic database from your backup (check "
            f"KEYSTORE_DATABASE_URL or the data directory); nothing of theirs can be read without it."
        )


class KeystoreMismatch(RootKeyError):
    """The keystore lacks keys the clinic database refers to."""


def _refuse_burned(root: RootKeyProvider) -> None:
    try:
        fingerprint = root.fingerprint()
    except RootKeyError:
        return  # missing or unreadable: reported (or made, on a first run) by the checks that follow
    if fingerprint in BURNED_FINGERPRINTS:
        raise RootKeyError(
            f"Burned root key: the key from {root.source()} was published (it is in klinika's "
            f"repository history) and protects nothing. Never use it: start a new installation "
            f"with a new data directory, which makes its own root key."
        )


def check_root_key_or_exit(clinics=None):
    try:
        check_root_key(clinics)
    except RootKeyError as exc:
        sys.stderr.write(f"klinika: {exc}\n")
        raise SystemExit(2) from None
