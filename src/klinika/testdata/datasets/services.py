"""Signed, expiring datasets on both sides, and the guard of non-production instances.

Production (KLINIKA_ENV=production) holds the data factory's Ed25519 signing key and signs what
the synthetic generator and the anonymizer write (factory_signer). A test environment makes a
one-time recipient key (new_recipient_key), loads a dataset wrapped to it (load_dataset): the
environment key moves into its keystore with the dataset's expiry, the recipient key is destroyed,
and the clinic records where it came from. expire_datasets destroys keys past expiry and shreds
their clinics. docs/test-environments.md tells the whole story.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from klinika import jsonlines
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.crypto import keystore
from klinika.crypto.errors import KeyDestroyed, KeyNotFound
from klinika.crypto.root import provider
from klinika.environments import PRODUCTION
from klinika.lifecycle import services as lifecycle
from klinika.tenancy.context import clinic_context, cross_clinic
from klinika.tenancy.models import Clinic
from klinika.testdata.datasets import importer
from klinika.testdata.datasets.container import (
    Dataset,
    DatasetRefused,
    Signer,
    b64,
    decrypt_file,
    key_fingerprint,
    open_dataset,
    unb64,
    verify_signature,
)
from klinika.testdata.models import DatasetProvenance

# Key owners in the keystore that are not clinics (the vendor's audit keys are UUID(int=0)).
FACTORY_KEY_OWNER = uuid.UUID(int=1)  # production: the data factory's signing key
TESTENV_KEY_OWNER = uuid.UUID(int=2)  # a test environment: recipient keys and environment keys
AUDIT_KEY_OWNER = uuid.UUID(int=3)  # production: each dataset's audit key, until the dataset expires
RECIPIENT_DAYS = 30  # an unused recipient key dies after this
# Provenance rows hold no personal data; the guard and the expiry round read every clinic's.
_EVERY_CLINIC = "test-environment guard: every clinic's dataset provenance"


LOADABLE_ORIGINS = ("synthetic", "anonymized")


class NotProduction(PermissionError):
    """Only production holds the data factory's key."""


class EnvironmentRefused(RuntimeError):
    """This non-production instance must not start: the message says why and what to do."""


def environment() -> str:
    return settings.KLINIKA_ENV


def _now(now=None) -> datetime.datetime:
    return now or timezone.now()


# --------------------------------------------------------------------------- production side

def _require_production(what: str) -> None:
    if environment() != PRODUCTION:
        raise NotProduction(
            f"{what} needs the production data factory's key: only an instance with KLINIKA_ENV=production "
            f"holds it (this one runs with KLINIKA_ENV={environment()}).")


def factory_public_key() -> bytes:
    """The data factory's Ed25519 public key, for KLINIKA_DATASET_FACTORY_KEYS of test environments."""
    _require_production("Exporting the dataset factory key")
    keystore.ensure_owner_keys(FACTORY_KEY_OWNER)
    return keystore.signing_private_key(FACTORY_KEY_OWNER)[1].public_key().public_bytes_raw()


def factory_signer() -> Signer:
    """What DatasetWriter.finish() signs with; production only."""
    _require_production("Signing a dataset")
    keystore.ensure_owner_keys(FACTORY_KEY_OWNER)
    return Signer(keystore.signing_private_key(FACTORY_KEY_OWNER)[1], provider().fingerprint(),
                  audit_key_for=_new_audit_key)


def _new_audit_key(dataset_id: uuid.UUID, expires: datetime.datetime) -> bytes:
    """A per-dataset X25519 key kept in production's keystore until the dataset expires (then
    destroyed by expire_datasets), so production can scan what it wrote (`klinika testenv scan`)
    and nothing after the test environment's copy is gone."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    keystore.ensure_owner_keys(AUDIT_KEY_OWNER)
    private = X25519PrivateKey.generate()
    keystore.store_expiring_key(AUDIT_KEY_OWNER, dataset_id, private.private_bytes_raw(), expires_at=expires)
    return private.public_key().public_bytes_raw()


def open_for_scan(path, now=None) -> tuple[Dataset, bytes]:
    """(production) A dataset this production wrote, verified (its factory key, unchanged,
    unexpired), and its environment key opened with the dataset's audit key. The caller closes
    the dataset."""
    _require_production("Scanning a dataset")
    now = _now(now)
    dataset = open_dataset(path, [factory_public_key()], now)
    try:
        if not dataset.has_audit_key:
            dataset.unwrap_audit_key(b"")  # raises the message that says why
        try:
            private = keystore.expiring_key(AUDIT_KEY_OWNER, dataset.dataset_id, now)
        except KeyNotFound:
            raise DatasetRefused(f"Dataset {dataset.dataset_id}: its audit key is not in this keystore; it was "
                                 f"written by another production instance.") from None
        except KeyDestroyed:
            raise DatasetRefused(f"Dataset {dataset.dataset_id}: its audit key was destroyed when the dataset "
                                 f"expired; nothing of it can be read any more.") from None
        return dataset, dataset.unwrap_audit_key(private)
    except BaseException:
        dataset.close()
        raise


# --------------------------------------------------------------------------- test environment side

def trusted_factory_keys() -> list[bytes]:
    """KLINIKA_DATASET_FACTORY_KEYS: base64 Ed25519 public keys (comma or space separated), or a file of them."""
    value = (getattr(settings, "KLINIKA_DATASET_FACTORY_KEYS", "") or "").strip()
    source = "KLINIKA_DATASET_FACTORY_KEYS"
    if value and Path(value).is_file():
        source, value = value, Path(value).read_text(encoding="ascii", errors="replace")
    keys = []
    for word in value.replace(",", " ").split():
        try:
            keys.append(unb64(word, 32))
        except ValueError as exc:
            raise DatasetRefused(f"{source}: {word[:20]!r} is not a dataset factory key ({exc}); use the "
                                 f"output of `klinika testenv factory-key` in production.") from None
    return keys


def recipient_ref(public_key: bytes) -> uuid.UUID:
    """The keystore subject of a recipient key: derived from its public key, which the manifest names."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "klinika:dataset-recipient:" + b64(public_key))


def _require_test_environment(what: str) -> None:
    if environment() == PRODUCTION:
        raise NotProduction(f"{what}: production loads no test datasets (KLINIKA_ENV=production).")


def new_recipient_key(now=None) -> bytes:
    """A one-time X25519 key pair: the private half stays in this keystore, the public one is
    given to production (`--to`). Destroyed when a dataset made for it is loaded, or unused after
    RECIPIENT_DAYS."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    _require_test_environment("A recipient key")
    keystore.ensure_owner_keys(TESTENV_KEY_OWNER)
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    keystore.store_expiring_key(TESTENV_KEY_OWNER, recipient_ref(public), private.private_bytes_raw(),
                                expires_at=_now(now) + datetime.timedelta(days=RECIPIENT_DAYS))
    return public


@dataclass
class LoadedDataset:
    """A dataset loaded into this test environment: its clinic, its manifest, and its content,
    which stays encrypted on disk and is decrypted chunk by chunk while read (the extension
    point of the importer). After expiry nothing of it can be read."""

    clinic: Clinic
    dataset_id: uuid.UUID
    manifest: dict
    path: Path
    imported: object = None  # the importer's ImportReport, when load_dataset imported the records

    def names(self) -> list[str]:
        return sorted(self.manifest["files"])

    def chunks(self, name: str, now=None) -> Iterator[bytes]:
        if name not in self.manifest["files"]:
            raise KeyError(f"Dataset {self.dataset_id} has no content file {name!r}; it has {', '.join(self.names())}")
        key = keystore.expiring_key(TESTENV_KEY_OWNER, self.dataset_id, _now(now))
        return decrypt_file(self.path / "content" / f"{name}.enc", self.dataset_id, name, key)

    def read(self, name: str) -> bytes:
        return b"".join(self.chunks(name))

    def records(self, name: str) -> Iterator[dict]:
        """The records of a JSON Lines content file, one at a time."""
        return jsonlines.records(self.chunks(name))


def staging_root() -> Path:
    return Path(settings.DATA_DIR) / "datasets"


def load_dataset(path, *, slug: str | None = None, name: str | None = None, now=None,
                 import_records: bool = False, progress=None) -> LoadedDataset:
    """Verify a dataset, then record it for a new clinic and stage its (encrypted) content; with
    import_records, store its records in the clinic too (importer.import_records).

    Every check runs before anything is written: a refused dataset (DatasetRefused) leaves no
    clinic, key, record or file behind. An import that fails (importer.DatasetImportFailed, or
    anything else) shreds the clinic it began to fill and removes the staged copy."""
    _require_test_environment("Loading a dataset")
    now = _now(now)
    dataset = open_dataset(path, trusted_factory_keys(), now)
    try:
        loaded = _load(dataset, slug, name, now)
    finally:
        dataset.close()
    if import_records:
        try:
            loaded.imported = importer.import_records(loaded.clinic, loaded.records, names=loaded.names(),
                                                      progress=progress, totals=loaded.manifest.get("counts"))
        except BaseException:
            _discard(loaded)
            raise
    return loaded


def _discard(loaded: LoadedDataset) -> None:
    """A load whose import failed: nothing of it stays readable (keys destroyed, staged copy removed)."""
    keystore.erase_subject(TESTENV_KEY_OWNER, loaded.dataset_id)
    lifecycle.shred_clinic(loaded.clinic, reason=f"import of test dataset {loaded.dataset_id} failed")
    shutil.rmtree(loaded.path, ignore_errors=True)


def _load(dataset: Dataset, slug, name, now) -> LoadedDataset:
    manifest, dataset_id = dataset.manifest, dataset.dataset_id
    if manifest.get("origin") not in LOADABLE_ORIGINS:
        raise DatasetRefused(f"Dataset {dataset_id} is a {manifest.get('origin')!r} dataset: a test environment "
                             f"loads only synthetic or anonymized data ({', '.join(LOADABLE_ORIGINS)}).")
    if manifest.get("source_root_fingerprint") == provider().fingerprint():
        raise DatasetRefused("Production root key: this instance runs with the root key of the production "
                             "instance that signed the dataset. A test environment has a root key of its own: "
                             "start it from an empty data directory.")
    with cross_clinic(_EVERY_CLINIC):
        seen = DatasetProvenance.objects.filter(dataset_id=dataset_id).exists()
    if seen:
        raise DatasetRefused(f"Dataset {dataset_id} is loaded here already (`klinika testenv status`).")
    recipient = recipient_ref(dataset.recipient)
    try:
        recipient_private = keystore.expiring_key(TESTENV_KEY_OWNER, recipient, now)
    except KeyNotFound:
        raise DatasetRefused(
            f"Dataset {dataset_id} was made for another test environment: its recipient key "
            f"{key_fingerprint(dataset.recipient)} is not in this keystore (`klinika testenv recipient-key` "
            f"prints this environment's).") from None
    except KeyDestroyed:
        raise DatasetRefused(
            f"Dataset {dataset_id}: its recipient key {key_fingerprint(dataset.recipient)} was used or expired "
            f"already; make a new one (`klinika testenv recipient-key`) and ask for a new dataset.") from None
    env_key = dataset.unwrap_key(recipient_private)
    dataset.check_decrypts(env_key)  # every chunk, before anything is written

    staged = staging_root() / str(dataset_id)
    if staged.exists():
        shutil.rmtree(staged)  # left by a load that failed after staging
    staged.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copytree(dataset.root, staged)
    try:
        keystore.store_expiring_key(TESTENV_KEY_OWNER, dataset_id, env_key, expires_at=dataset.expires)
    except IntegrityError:
        shutil.rmtree(staged, ignore_errors=True)
        raise DatasetRefused(f"Dataset {dataset_id} was loaded here before (its key exists or was destroyed); "
                             f"ask for a new dataset.") from None
    keystore.erase_subject(TESTENV_KEY_OWNER, recipient)  # one dataset per recipient key
    params = manifest.get("parameters") or {}
    clinic = lifecycle.create_clinic(name or params.get("clinic_name") or f"Dataset {str(dataset_id)[:8]}",
                                     slug or params.get("clinic_slug") or f"dataset-{str(dataset_id)[:8]}")
    with clinic_context(clinic), transaction.atomic():
        DatasetProvenance.objects.update_or_create(clinic=clinic, defaults=dict(
            origin=DatasetProvenance.Origin.DATASET, environment=environment(), dataset_id=dataset_id,
            dataset_origin=manifest["origin"], manifest=dataset.manifest_bytes,
            manifest_sha256=dataset.manifest_sha256, signature=dataset.signature, expires_at=dataset.expires,
            staged_at=str(staged), expired_at=None))
        record(Action.CREATE, object_type="test-dataset", object_id=dataset_id, clinic_id=clinic.pk,
               reason=f"loaded {manifest['origin']} dataset, expires {dataset.expires:%Y-%m-%d}")
    return LoadedDataset(clinic, dataset_id, manifest, staged)


def loaded_dataset(clinic: Clinic) -> LoadedDataset:
    """The dataset a clinic was loaded from (for the importer)."""
    with clinic_context(clinic):
        row = DatasetProvenance.objects.filter(origin=DatasetProvenance.Origin.DATASET).first()
    if row is None:
        raise LookupError(f"Clinic {clinic.slug} was not loaded from a dataset")
    return LoadedDataset(clinic, row.dataset_id, json.loads(bytes(row.manifest)), Path(row.staged_at))


def record_local_clinic(clinic: Clinic) -> None:
    """A clinic made here, empty, in a non-production instance (post_save of Clinic, see apps.py)."""
    if environment() != PRODUCTION:
        with clinic_context(clinic):
            DatasetProvenance.objects.get_or_create(
                clinic=clinic, defaults={"origin": DatasetProvenance.Origin.LOCAL, "environment": environment()})


@dataclass
class Expired:
    slug: str
    dataset_id: uuid.UUID
    expires_at: datetime.datetime


def expire_datasets(now=None) -> list[Expired]:
    """Destroy every environment key past its expiry and shred its clinic; unused recipient keys too."""
    now = _now(now)
    done = []
    with cross_clinic(_EVERY_CLINIC):
        due = list(DatasetProvenance.objects.filter(origin=DatasetProvenance.Origin.DATASET, expired_at__isnull=True,
                                                    expires_at__lte=now).select_related("clinic"))
    for row in due:
        keystore.erase_subject(TESTENV_KEY_OWNER, row.dataset_id)
        if row.clinic.status == Clinic.Status.ACTIVE:
            lifecycle.shred_clinic(row.clinic, reason=f"test dataset {row.dataset_id} expired")
        if row.staged_at:
            shutil.rmtree(row.staged_at, ignore_errors=True)
        with clinic_context(row.clinic), transaction.atomic():
            DatasetProvenance.objects.filter(pk=row.pk).update(expired_at=now)
        done.append(Expired(row.clinic.slug, row.dataset_id, row.expires_at))
    for ref in keystore.expired_keys(TESTENV_KEY_OWNER, now):  # recipient keys, and keys of datasets lost
        keystore.erase_subject(TESTENV_KEY_OWNER, ref)
    for ref in keystore.expired_keys(AUDIT_KEY_OWNER, now):  # production: audit keys of expired datasets
        keystore.erase_subject(AUDIT_KEY_OWNER, ref)
    return done


@dataclass
class Status:
    slug: str
    origin: str  # synthetic | anonymized | local | demo | none
    dataset_id: uuid.UUID | None
    expires_at: datetime.datetime | None
    days_left: int | None
    state: str  # loaded | expired | shredded | local | refused: <why>


def status(now=None) -> list[Status]:
    now = _now(now)
    with cross_clinic(_EVERY_CLINIC):
        rows = {row.clinic_id: row for row in DatasetProvenance.objects.all()}
    problems = dict(unsafe_clinics(now))
    result = []
    for clinic in Clinic.objects.order_by("slug"):
        row = rows.get(clinic.pk)
        problem = problems.get(clinic.slug)
        if row is None or row.origin == DatasetProvenance.Origin.LOCAL:
            origin = "demo" if clinic.is_demo else ("local" if row else "none")
            result.append(Status(clinic.slug, origin, None, None, None, f"refused: {problem}" if problem else origin))
            continue
        days = (row.expires_at - now).days if row.expires_at > now else 0
        state = ("expired" if row.expired_at else "shredded" if clinic.status != Clinic.Status.ACTIVE
                 else f"refused: {problem}" if problem else "loaded")
        result.append(Status(clinic.slug, row.dataset_origin, row.dataset_id, row.expires_at, days, state))
    return result


# --------------------------------------------------------------------------- the guard

def unsafe_clinics(now=None) -> list[tuple[str, str]]:
    """(slug, why) of every live clinic this non-production instance must not hold."""
    now = _now(now)
    with cross_clinic(_EVERY_CLINIC):
        rows = {row.clinic_id: row for row in DatasetProvenance.objects.all()}
    trusted, local_root = None, None
    found = []
    for clinic in Clinic.objects.filter(status=Clinic.Status.ACTIVE).order_by("slug"):
        row = rows.get(clinic.pk)
        if row is None:
            if not clinic.is_demo:  # `klinika demo` made it: generated, never anyone's real data
                found.append((clinic.slug, "no dataset signature: it was not loaded from a signed dataset nor "
                                           "created here (a copy of a production database?)"))
            continue
        if row.origin == DatasetProvenance.Origin.LOCAL:
            continue
        if trusted is None:
            trusted, local_root = trusted_factory_keys(), provider().fingerprint()
        body = bytes(row.manifest or b"")
        if hashlib.sha256(body).hexdigest() != row.manifest_sha256:
            found.append((clinic.slug, "its dataset manifest was changed after loading"))
        elif verify_signature(trusted, bytes(row.signature or b""), body) is None:
            found.append((clinic.slug, "its dataset signature does not verify with KLINIKA_DATASET_FACTORY_KEYS"))
        elif row.expires_at <= now:
            found.append((clinic.slug, f"its dataset expired on {row.expires_at:%Y-%m-%d}"))
        elif json.loads(body).get("source_root_fingerprint") == local_root:
            found.append((clinic.slug, "this instance runs with the production root key that signed its dataset"))
    return found


def check_environment(now=None) -> None:
    """At the start of a non-production instance: expire what is due, then refuse any clinic that
    is neither a valid, unexpired dataset nor made here. Production passes untouched."""
    if environment() == PRODUCTION:
        return
    now = _now(now)
    expire_datasets(now)
    try:
        found = unsafe_clinics(now)
    except DatasetRefused as exc:  # a malformed KLINIKA_DATASET_FACTORY_KEYS
        raise EnvironmentRefused(str(exc)) from None
    if found:
        named = "; ".join(f"{slug}: {why}" for slug, why in found[:3])
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        raise EnvironmentRefused(
            f"Refusing to start with KLINIKA_ENV={environment()}: {len(found)} clinic(s) hold data without a "
            f"valid, unexpired dataset signature — {named}{more}. A test environment holds only signed "
            f"synthetic or anonymized datasets (`klinika testenv load`); if this is production, set "
            f"KLINIKA_ENV=production.")
