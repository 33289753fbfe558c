"""The dataset container: a signed manifest and encrypted content files, nothing of the database.

    DATASET/                      (a directory, or the same as one .tar)
      manifest.json               canonical JSON (sorted keys, no spaces): what the dataset is
      manifest.sig                base64 Ed25519 signature of manifest.json's bytes (the data factory's)
      content/NAME.enc            each content file, AES-256-GCM in chunks under the environment key

A chunk's frame is [final flag: 1 byte][length: 4 bytes][nonce: 12 bytes][ciphertext]; its aad binds
the dataset id, the file name, the chunk's index and the final flag, so a chunk moved to another
file or place, a dropped last chunk or a flipped flag all fail to decrypt. The environment key is
fresh per dataset and travels inside the signed manifest wrapped (HPKE, RFC 9180: X25519,
HKDF-SHA256, AES-256-GCM) to the one-time recipient key of the test environment that will load it,
and, when the signer provides one (production's factory_signer does), also to a per-dataset audit
key that production keeps until the dataset expires, so that `klinika testenv scan` can read back
what production wrote. Test environments ignore the audit wrap.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import os
import re
import shutil
import struct
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = "klinika-dataset/1"
# "copy": the untransformed export the anonymizer's benchmark measures against; a test
# environment refuses to load one (services._load).
ORIGINS = ("synthetic", "anonymized", "copy")
DEFAULT_DAYS = 30
CHUNK_SIZE = 1 << 20
MANIFEST, SIGNATURE, CONTENT = "manifest.json", "manifest.sig", "content"
_MAGIC = b"KDS1"
_FRAME = struct.Struct(">BI")  # final flag, ciphertext length
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class DatasetRefused(ValueError):
    """The dataset is not loaded; the message names the problem."""


@dataclass(frozen=True)
class Signer:
    """The production data factory's signing key and the production root key's fingerprint."""

    private_key: Ed25519PrivateKey
    root_fingerprint: str
    # (dataset id, expires) -> a fresh X25519 public key whose private half the signer keeps until
    # `expires`: the environment key is wrapped to it too (manifest "audit_key"), so the producer
    # can scan the dataset it wrote. None: the dataset opens for its recipient only.
    audit_key_for: Callable[[uuid.UUID, datetime.datetime], bytes] | None = None


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str, size: int | None = None) -> bytes:
    try:
        data = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError):
        raise ValueError(f"not base64: {str(text)[:60]!r}") from None
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes, got {len(data)}")
    return data


def recipient_key(text: str) -> bytes:
    """A test environment's one-time recipient key as given on a command line (--to)."""
    try:
        return unb64(text, 32)
    except (ValueError, DatasetRefused):
        raise ValueError("--to is not a recipient key: give the base64 key `klinika testenv recipient-key` "
                         "printed in the test environment") from None


def key_fingerprint(public_key: bytes) -> str:
    """A short name for a public key in messages: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def klinika_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("klinika")
    except PackageNotFoundError:
        return "unknown"


def _aad(dataset_id: uuid.UUID, name: str, index: int, final: bool) -> bytes:
    encoded = name.encode()
    return (b"klinika/dataset/v1|" + dataset_id.bytes + struct.pack(">H", len(encoded)) + encoded
            + struct.pack(">QB", index, final))


def _wrap_info(dataset_id: uuid.UUID) -> bytes:
    return b"klinika/dataset-key/v1|" + dataset_id.bytes


def _audit_wrap_info(dataset_id: uuid.UUID) -> bytes:
    return b"klinika/dataset-audit-key/v1|" + dataset_id.bytes


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"content file name {name!r}: use letters, digits, '.', '_' and '-' (at most 101)")
    return name


# --------------------------------------------------------------------------- writing

class DatasetWriter:
    """Writes one dataset: add content files (streamed), then finish() signs the manifest.

    `recipient` is the loading environment's one-time X25519 public key (`klinika testenv
    recipient-key` there); the environment key is made here and leaves only wrapped to it.
    """

    def __init__(self, path: str | Path, *, origin: str, recipient: bytes, generator: str,
                 parameters: dict | None = None, k: int | None = None, days: int = DEFAULT_DAYS,
                 chunk_size: int = CHUNK_SIZE, now: datetime.datetime | None = None):
        if origin not in ORIGINS:
            raise ValueError(f"origin {origin!r}: one of {', '.join(ORIGINS)}")
        if origin == "anonymized" and not (isinstance(k, int) and k >= 2):
            raise ValueError("an anonymized dataset states the k it achieved (2 or more)")
        if not 1 <= days <= 365:
            raise ValueError(f"a dataset expires after 1 to 365 days, not {days}")
        self.path = Path(path)
        if self.path.exists():
            raise FileExistsError(f"{self.path} exists; choose a new path for the dataset")
        self.recipient = X25519PublicKey.from_public_bytes(recipient)
        self.dataset_id = uuid.uuid4()
        self.now = now or datetime.datetime.now(datetime.UTC)
        self.expires = self.now + datetime.timedelta(days=days)
        self.origin, self.generator, self.parameters, self.k = origin, generator, dict(parameters or {}), k
        self.chunk_size = chunk_size
        self._key = AESGCM.generate_key(bit_length=256)
        self._files: dict[str, dict] = {}
        self._counts: dict[str, int] = {}
        self._tar = self.path.suffix == ".tar"
        self._dir = Path(tempfile.mkdtemp(prefix="dataset-", dir=self.path.parent)) if self._tar else self.path
        (self._dir / CONTENT).mkdir(parents=True, mode=0o700)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            self.abort()

    def abort(self) -> None:
        """Remove what was written: a dataset that failed half-way is never left behind."""
        self._key = None
        shutil.rmtree(self._dir, ignore_errors=True)
        if self._tar and self.path.exists():
            self.path.unlink()

    def add_file(self, name: str, chunks: Iterable[bytes]) -> None:
        """One content file from an iterable of byte strings of any size, never held whole."""
        check_name(name)
        if name in self._files:
            raise ValueError(f"content file {name!r} was added already")
        aead, digest, size, index = AESGCM(self._key), hashlib.sha256(), 0, 0
        with open(self._dir / CONTENT / f"{name}.enc", "xb") as out:
            def emit(data: bytes, final: bool):
                nonce = os.urandom(12)
                frame = _FRAME.pack(final, len(data) + 16) + nonce + aead.encrypt(
                    nonce, data, _aad(self.dataset_id, name, index, final))
                out.write(frame)
                digest.update(frame)

            out.write(_MAGIC)
            digest.update(_MAGIC)
            pending = bytearray()
            for piece in chunks:
                pending += piece
                size += len(piece)
                while len(pending) > self.chunk_size:  # keep one back: the last chunk carries the flag
                    emit(bytes(pending[:self.chunk_size]), False)
                    del pending[:self.chunk_size]
                    index += 1
            emit(bytes(pending), True)
        self._files[name] = {"sha256": digest.hexdigest(), "size": size, "chunks": index + 1}

    def add_records(self, name: str, records: Iterable[dict]) -> int:
        """JSON Lines, one record a line; counted in the manifest under the file's stem."""
        count = 0

        def lines():
            nonlocal count
            for record in records:
                count += 1
                yield json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"

        self.add_file(name, lines())
        self._counts.setdefault(name.rsplit(".", 1)[0], count)
        return count

    def finish(self, signer: Signer, counts: dict[str, int] | None = None) -> Path:
        wrapped = _HPKE.encrypt(self._key, self.recipient, info=_wrap_info(self.dataset_id))
        manifest = {
            "format": FORMAT,
            "dataset_id": str(self.dataset_id),
            "origin": self.origin,
            "generator": self.generator,
            "klinika_version": klinika_version(),
            "parameters": self.parameters,
            "counts": {**self._counts, **(counts or {})},
            "k": self.k,
            "created": self.now.isoformat(timespec="seconds"),
            "expires": self.expires.isoformat(timespec="seconds"),
            "files": self._files,
            "environment_key": {
                "id": str(self.dataset_id),
                "recipient": b64(self.recipient.public_bytes_raw()),
                "wrapped": b64(wrapped),
            },
            "source_root_fingerprint": signer.root_fingerprint,
            "signer": b64(signer.private_key.public_key().public_bytes_raw()),
        }
        if signer.audit_key_for is not None:
            audit = X25519PublicKey.from_public_bytes(signer.audit_key_for(self.dataset_id, self.expires))
            manifest["audit_key"] = {
                "public": b64(audit.public_bytes_raw()),
                "wrapped": b64(_HPKE.encrypt(self._key, audit, info=_audit_wrap_info(self.dataset_id))),
            }
        body = canonical(manifest)
        (self._dir / MANIFEST).write_bytes(body)
        (self._dir / SIGNATURE).write_text(b64(signer.private_key.sign(body)) + "\n")
        self._key = None  # the factory keeps no copy: only the recipient can open the dataset
        if self._tar:
            with tarfile.open(self.path, "x") as tar:
                for item in sorted(self._dir.rglob("*")):
                    tar.add(item, arcname=str(item.relative_to(self._dir)), recursive=False)
            shutil.rmtree(self._dir)
        return self.path


# --------------------------------------------------------------------------- reading

@dataclass
class Dataset:
    """A dataset whose signature, expiry and content hashes were checked (open_dataset)."""

    root: Path
    manifest: dict
    manifest_bytes: bytes
    signature: bytes
    signer: bytes
    _temporary: Path | None = field(default=None, repr=False)

    @property
    def dataset_id(self) -> uuid.UUID:
        return uuid.UUID(self.manifest["dataset_id"])

    @property
    def expires(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.manifest["expires"])

    @property
    def recipient(self) -> bytes:
        return unb64(self.manifest["environment_key"]["recipient"], 32)

    @property
    def manifest_sha256(self) -> str:
        return hashlib.sha256(self.manifest_bytes).hexdigest()

    def names(self) -> list[str]:
        return sorted(self.manifest["files"])

    def unwrap_key(self, recipient_private: bytes) -> bytes:
        try:
            return _HPKE.decrypt(unb64(self.manifest["environment_key"]["wrapped"]),
                                 X25519PrivateKey.from_private_bytes(recipient_private),
                                 info=_wrap_info(self.dataset_id))
        except (InvalidTag, ValueError):
            raise DatasetRefused(
                f"Dataset {self.dataset_id}: its environment key does not open with this environment's "
                f"recipient key; it was made for another test environment.") from None

    @property
    def has_audit_key(self) -> bool:
        return isinstance(self.manifest.get("audit_key"), dict)

    def unwrap_audit_key(self, audit_private: bytes) -> bytes:
        """The environment key, opened with the producer's audit key (`klinika testenv scan`)."""
        if not self.has_audit_key:
            raise DatasetRefused(
                f"Dataset {self.dataset_id} carries no audit key: it was written before production kept one "
                f"(or by a signer without it), so only its test environment can read it. Write a new dataset "
                f"to scan it.")
        try:
            return _HPKE.decrypt(unb64(self.manifest["audit_key"]["wrapped"]),
                                 X25519PrivateKey.from_private_bytes(audit_private),
                                 info=_audit_wrap_info(self.dataset_id))
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise DatasetRefused(
                f"Dataset {self.dataset_id}: its environment key does not open with the audit key this "
                f"keystore holds for it.") from None

    def records(self, name: str, key: bytes) -> Iterator[dict]:
        """The records of a JSON Lines content file, one at a time (never the whole file in memory)."""
        pending = b""
        for chunk in self.chunks(name, key):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            yield from (json.loads(line) for line in lines if line.strip())
        if pending.strip():
            yield json.loads(pending)

    def chunks(self, name: str, key: bytes) -> Iterator[bytes]:
        return decrypt_file(self.root / CONTENT / f"{name}.enc", self.dataset_id, name, key)

    def check_decrypts(self, key: bytes) -> None:
        for name in self.names():
            size = sum(len(chunk) for chunk in self.chunks(name, key))
            if size != self.manifest["files"][name]["size"]:
                raise DatasetRefused(f"Content file {name} decrypts to {size} bytes, not the "
                                     f"{self.manifest['files'][name]['size']} its manifest states.")

    def close(self):
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None


def decrypt_file(path: Path, dataset_id: uuid.UUID, name: str, key: bytes) -> Iterator[bytes]:
    """The plaintext chunks of one content file; DatasetRefused on any change, reorder or cut."""
    aead = AESGCM(key)
    with open(path, "rb") as handle:
        if handle.read(len(_MAGIC)) != _MAGIC:
            raise DatasetRefused(f"Content file {name} is not a klinika dataset file.")
        index = 0
        while True:
            header = handle.read(_FRAME.size)
            if not header:
                raise DatasetRefused(f"Content file {name} is truncated: it ends before its final chunk.")
            if len(header) < _FRAME.size:
                raise DatasetRefused(f"Content file {name} is truncated inside chunk {index}.")
            final, length = _FRAME.unpack(header)
            nonce, sealed = handle.read(12), handle.read(length)
            if len(sealed) < length or final > 1:
                raise DatasetRefused(f"Content file {name} is truncated inside chunk {index}.")
            try:
                yield aead.decrypt(nonce, sealed, _aad(dataset_id, name, index, bool(final)))
            except InvalidTag:
                raise DatasetRefused(f"Content file {name}: chunk {index} was changed, moved or "
                                     f"does not belong to this dataset.") from None
            if final:
                if handle.read(1):
                    raise DatasetRefused(f"Content file {name} has data after its final chunk.")
                return
            index += 1


def _unpack(path: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="dataset-"))
    try:
        with tarfile.open(path) as tar:
            tar.extractall(target, filter="data")  # no links out, no absolute paths, no devices
    except (tarfile.TarError, OSError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise DatasetRefused(f"{path} is not a readable dataset archive ({exc}).") from None
    return target


def open_dataset(path: str | Path, trusted_keys: Iterable[bytes], now: datetime.datetime) -> Dataset:
    """Check a dataset before anything of it is used: signed by a trusted key, unchanged, unexpired.

    Raises DatasetRefused naming the problem. The content is not decrypted here (see
    Dataset.check_decrypts): that needs the environment key."""
    path = Path(path)
    if not path.exists():
        raise DatasetRefused(f"No dataset at {path}.")
    temporary = _unpack(path) if path.is_file() else None
    root = temporary or path
    try:
        return _verified(path, root, list(trusted_keys), now, temporary)
    except BaseException:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        raise


def _verified(path, root, trusted, now, temporary) -> Dataset:
    if not (root / MANIFEST).is_file():
        raise DatasetRefused(f"{path} is not a klinika dataset: it has no {MANIFEST}.")
    if not (root / SIGNATURE).is_file():
        raise DatasetRefused(f"Unsigned dataset: {path} has no {SIGNATURE}. Only datasets signed by the "
                             f"production data factory are loaded.")
    body = (root / MANIFEST).read_bytes()
    try:
        signature = unb64((root / SIGNATURE).read_text(encoding="ascii"), 64)
    except (ValueError, UnicodeDecodeError):
        raise DatasetRefused(f"Unsigned dataset: {path}/{SIGNATURE} does not hold an Ed25519 signature.") from None
    if not trusted:
        raise DatasetRefused("No dataset factory key is configured: set KLINIKA_DATASET_FACTORY_KEYS to the "
                             "public key `klinika testenv factory-key` prints in production.")
    signer = verify_signature(trusted, signature, body)
    if signer is None:
        named = _named_signer(body)
        if named is not None and named not in trusted:
            raise DatasetRefused(
                f"Dataset signed by an unknown key ({key_fingerprint(named)}): not one of "
                f"KLINIKA_DATASET_FACTORY_KEYS ({', '.join(key_fingerprint(k) for k in trusted)}).")
        raise DatasetRefused(f"Bad signature: {MANIFEST} of {path} was changed after it was signed "
                             f"(or its signature was).")
    manifest = json.loads(body)
    if manifest.get("format") != FORMAT:
        raise DatasetRefused(f"Dataset format {manifest.get('format')!r} is not {FORMAT}; upgrade klinika.")
    expires = datetime.datetime.fromisoformat(manifest["expires"])
    if expires <= now:
        raise DatasetRefused(f"Expired dataset: {manifest['dataset_id']} expired on {expires:%Y-%m-%d %H:%M} UTC; "
                             f"ask production for a fresh one.")
    files = manifest["files"]
    present = {item.name for item in (root / CONTENT).iterdir()} if (root / CONTENT).is_dir() else set()
    extra = sorted(present - {f"{name}.enc" for name in files})
    if extra:
        raise DatasetRefused(f"Content file(s) not in the signed manifest: {', '.join(extra)}.")
    for name, entry in sorted(files.items()):
        check_name(name)
        file = root / CONTENT / f"{name}.enc"
        if not file.is_file():
            raise DatasetRefused(f"Content file {name} is missing from the dataset.")
        digest = hashlib.sha256()
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(CHUNK_SIZE), b""):
                digest.update(block)
        if digest.hexdigest() != entry["sha256"]:
            raise DatasetRefused(f"Content file {name} was changed: its SHA-256 is not the one in the "
                                 f"signed manifest.")
    return Dataset(root, manifest, body, signature, signer, temporary)


def _verifies(public_key: bytes, signature: bytes, body: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, body)
    except InvalidSignature:
        return False
    return True


def verify_signature(public_keys: Iterable[bytes], signature: bytes, body: bytes) -> bytes | None:
    """The key of `public_keys` that signed `body`, or None."""
    return next((key for key in public_keys if _verifies(key, signature, body)), None)


def _named_signer(body: bytes) -> bytes | None:
    try:
        return unb64(json.loads(body)["signer"], 32)
    except (ValueError, KeyError, TypeError):
        return None
