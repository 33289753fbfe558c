"""The root key: the only secret outside the keystore. It wraps the clinic KEKs.

Providers: a local key file (created on first run, mode 0600) or the KLINIKA_ROOT_KEY
environment variable. A KMS or Vault provider implements the same calls (wrap, unwrap,
fingerprint, and for generations create_generation/destroy_generation) against the remote
service; the root key material then never enters the process.

Generations: the root key is numbered. `klinika keys rotate-root` makes generation N+1 and
re-wraps every live KEK under it; generation N is destroyed once the backup retention window
has passed (keystore.destroy_due_root_generations), and with it every keystore backup made
while N was current becomes unreadable. The keystore records the generations and which one
wraps each KEK (keystore.py); a provider only keeps the material of each number.
- Local: generation 1 is the key file (`secrets/root.key`, or KLINIKA_ROOT_KEY), exactly as
  before generations existed; generation N >= 2 is a file next to it, `root-N.key` (mode 0600).
  With KLINIKA_ROOT_KEY there is only generation 1: rotating needs files.
- KMS/Vault: generation N is one key version. Vault transit: `transit/keys/klinika/rotate` makes
  version N, destroying it is raising min_decryption_version past it and trimming. AWS/GCP KMS:
  one key (or key version) per generation, destroying it is scheduling its deletion (the
  provider's waiting period then counts towards destroy_after).
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
    """`generation` None means the newest generation the provider holds."""

    name = "abstract"

    @abstractmethod
    def wrap(self, plaintext: bytes, aad: bytes, generation: int | None = None) -> bytes: ...

    @abstractmethod
    def unwrap(self, blob: bytes, aad: bytes, generation: int | None = None) -> bytes: ...

    @abstractmethod
    def fingerprint(self, generation: int | None = None) -> str:
        """A value that identifies the key without revealing it."""

    def generations(self) -> list[int]:
        """The generations whose key material this provider still holds, ascending."""
        return [1]

    def create_generation(self, number: int) -> str:
        """Make generation `number` durable (kept as is if it exists); returns its fingerprint."""
        raise RootKeyError(f"{self.source()} has a single root key and cannot make root key generations.")

    def destroy_generation(self, number: int) -> None:
        """Destroy generation `number`'s material for good (nothing if it is gone already)."""
        raise RootKeyError(f"{self.source()} cannot destroy root key generations.")

    def forget_keys(self) -> None:  # noqa: B027 (optional: a provider that holds no key in memory keeps this)
        """Drop key material held in memory; the next use loads it again."""

    def create_if_missing(self) -> bool:
        """Make a new key when none exists yet (first run); True if one was made."""
        return False

    def source(self, generation: int = 1) -> str:
        """Where the key comes from, for error messages (never the key itself)."""
        return f"the {self.name} root key provider"


class LocalRootKeyProvider(RootKeyProvider):
    """32 random bytes, base64, from KLINIKA_ROOT_KEY or from a 0600 key file."""

    name = "local"

    def __init__(self, path: Path | None = None):
        self.path = path or root_key_file()
        self._keys: dict[int, bytes] = {}

    def generation_path(self, number: int) -> Path:
        """Generation 1 is the key file itself (installations from before generations); N is root-N.key."""
        if number == 1:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{number}{self.path.suffix}")

    def generations(self) -> list[int]:
        found = {1} if self._env_text() or os.path.lexists(self.path) else set()
        stem, suffix = f"{self.path.stem}-", self.path.suffix
        try:
            names = os.listdir(self.path.parent)
        except OSError:
            names = []
        for name in names:
            middle = name[len(stem):len(name) - len(suffix)] if name.startswith(stem) and name.endswith(suffix) else ""
            if middle.isdigit() and int(middle) >= 2:
                found.add(int(middle))
        return sorted(found)

    def _latest(self, generation: int | None) -> int:
        if generation is not None:
            return generation
        return (self.generations() or [1])[-1]

    @staticmethod
    def _env_text() -> str | None:
        # An empty KLINIKA_ROOT_KEY (e.g. `KLINIKA_ROOT_KEY=` in an env file) counts as unset,
        # everywhere alike: otherwise one place would read the file and another the empty value.
        return os.environ.get(ENV_VAR, "").strip() or None

    def source(self, generation: int = 1) -> str:
        if generation == 1 and self._env_text():
            return f"the environment variable {ENV_VAR}"
        return f"the key file {self.generation_path(generation)}"

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

    def key(self, generation: int | None = None) -> bytes:
        number = self._latest(generation)
        key = self._keys.get(number)
        if key is None:
            key = self._keys[number] = self._load(number)
        return key

    def forget_keys(self) -> None:
        self._keys.clear()

    def _load(self, number: int = 1) -> bytes:
        text = self._env_text() if number == 1 else None
        path = self.generation_path(number)
        if text is None:
            try:
                mode = path.stat().st_mode
            except FileNotFoundError:
                if number != 1 or self.generations():
                    raise RootKeyError(
                        f"Root key generation {number} missing: {path} does not exist. If it was destroyed "
                        f"after the backup retention window, what it wrapped is unreadable for good (by design): "
                        f"use a newer keystore backup. Otherwise restore the file from your key backup."
                    ) from None
                raise RootKeyError(
                    f"Root key missing: {path} does not exist. Restore the key file from "
                    f"your key backup, or set {ENV_VAR}; without it no data can be read."
                ) from None
            except PermissionError:
                raise RootKeyError(
                    f"Root key unreadable: no permission to read {path}; run klinika as the "
                    f"user that owns the key file (and keep its mode 600)."
                ) from None
            if not stat.S_ISREG(mode):
                raise RootKeyError(
                    f"Root key unreadable: {path} is not a file; put the key file from your "
                    f"key backup there (mode 600), or point {ENV_VAR}_FILE at it."
                )
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise RootKeyError(
                    f"Root key file {path} is open to other users (mode {oct(mode & 0o777)}); "
                    f"run `chmod 600 {path}`."
                )
            try:
                text = path.read_bytes().decode("ascii")
            except PermissionError:
                raise RootKeyError(
                    f"Root key unreadable: no permission to read {path}; run klinika as the "
                    f"user that owns the key file (and keep its mode 600)."
                ) from None
            except UnicodeDecodeError:
                text = ""  # not base64: reported below
            except OSError as exc:
                raise RootKeyError(
                    f"Root key unreadable: cannot read {path} ({exc.strerror}); restore the key "
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
                f"Root key unreadable: {self.source(number)} does not hold a key (32 random bytes in "
                f"base64, 44 characters); restore it from your key backup. Only a new "
                f"installation takes a fresh key: "
                f"`python -c \"import base64,os;print(base64.b64encode(os.urandom(32)).decode())\"`."
            )
        return key

    def wrap(self, plaintext: bytes, aad: bytes, generation: int | None = None) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self.key(generation)).encrypt(nonce, plaintext, aad)

    def unwrap(self, blob: bytes, aad: bytes, generation: int | None = None) -> bytes:
        number = self._latest(generation)
        try:
            return AESGCM(self.key(number)).decrypt(blob[:12], blob[12:], aad)
        except InvalidTag:
            raise RootKeyError(
                "Wrong root key: a key wrapped by the keystore's root key does not open with the "
                f"key from {self.source(number)}."
            ) from None

    def fingerprint(self, generation: int | None = None) -> str:
        return hmac.new(self.key(generation), b"klinika root key fingerprint v1", hashlib.sha256).hexdigest()

    def create_generation(self, number: int) -> str:
        if number < 2:
            raise ValueError("generation 1 is the installation's first key (create_if_missing)")
        if self._env_text():
            raise RootKeyError(
                f"Root key generations are files, and this installation takes its root key from {ENV_VAR}: "
                f"write that value to {self.path} (one line, mode 600), unset {ENV_VAR}, then run "
                f"`klinika keys rotate-root` again."
            )
        path = self.generation_path(number)
        if not os.path.lexists(path):
            # Complete and on disk before its name appears: a crash leaves no half-written key for a
            # KEK to be wrapped under. A file left by a run that crashed before recording it is reused.
            temporary = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(8).hex()}"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w") as handle:
                    handle.write(base64.b64encode(os.urandom(32)).decode() + "\n")
                    handle.flush()
                    os.fsync(handle.fileno())
                try:
                    os.link(temporary, path)
                except FileExistsError:
                    pass  # a parallel run made it first: both use that one
            finally:
                os.unlink(temporary)
            fsync_directory(path.parent)
        self._keys.pop(number, None)
        return self.fingerprint(number)  # loads it back: mode, length and readability checked

    def destroy_generation(self, number: int) -> None:
        if number == 1 and self._env_text():
            raise RootKeyError(
                f"Root key generation 1 comes from {ENV_VAR}: klinika cannot destroy it. Remove the variable "
                f"(and every copy of its value) from the environment, then run this again."
            )
        path = self.generation_path(number)
        try:
            size = path.stat().st_size
            # Overwritten before it is unlinked: on file systems that write in place the old bytes are
            # gone too. Copies elsewhere (key backups, snapshots) must be destroyed by the operator.
            with open(path, "r+b") as handle:
                handle.write(os.urandom(max(size, 64)))
                handle.flush()
                os.fsync(handle.fileno())
            path.unlink()
        except FileNotFoundError:
            pass  # gone already (a run that crashed before recording it)
        fsync_directory(path.parent)
        self._keys.pop(number, None)


def fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable (the directory entry itself is synced)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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

    from klinika.crypto.models import KeyEncryptionKey, RootKeyCheck, RootKeyGeneration

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
    generations = RootKeyGeneration._meta.db_table in tables  # not before `migrate` adds them
    check = RootKeyCheck.objects.using(alias).filter(pk=1).first()
    if check is None:
        # .only(): a keystore not migrated to root generations yet has no root_generation column
        live = KeyEncryptionKey.objects.using(alias).filter(wrapped__isnull=False).only(
            "key_id", "clinic_id", "wrapped").first()
        if live is None:
            root.create_if_missing()
        fingerprint = root.fingerprint(1)
        if live is not None:
            # Keys exist but their root key was never recorded: the key at hand must open
            # them before it is recorded as this keystore's (raises "Wrong root key").
            root.unwrap(bytes(live.wrapped), kek_aad(live.clinic_id, live.key_id), 1)
        RootKeyCheck.objects.using(alias).get_or_create(
            pk=1, defaults={"provider": root.name, "fingerprint": fingerprint, "environment": _environment()}
        )
        if generations:
            RootKeyGeneration.objects.using(alias).get_or_create(number=1, defaults={"fingerprint": fingerprint})
        return
    number, expected = 1, check.fingerprint
    if generations:
        current = RootKeyGeneration.objects.using(alias).order_by("-number").first()
        if current is None:  # migrated by a version that did not record generation 1 yet
            RootKeyGeneration.objects.using(alias).get_or_create(number=1, defaults={"fingerprint": expected})
        else:
            number, expected = current.number, current.fingerprint
    if not hmac.compare_digest(expected, root.fingerprint(number)):
        which = f"root key generation {number}" if number > 1 else "root key"
        raise RootKeyError(
            f"Wrong root key: the key from {root.source(number)} is not the {which} this keystore was "
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
