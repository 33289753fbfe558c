"""Key hierarchy: root → clinic KEK → clinic DEK / index key / signing key / audit key / subject keys.

Everything here touches the `keystore` database only. Unwrapped keys are cached per
process (see cache.py); a read never calls the keystore when its key is cached.
"""
import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F, Max
from django.utils import timezone

from klinika.crypto.cache import KeyCache
from klinika.crypto.errors import KeyDestroyed, KeyNotFound, KlinikaCryptoError
from klinika.crypto.models import (
    AuditChainStart,
    AuditWitness,
    DataKey,
    IndexRotation,
    KeyEncryptionKey,
    KeyRevocation,
    KeyState,
    RootKeyCheck,
    RootKeyGeneration,
)
from klinika.crypto.root import kek_aad, provider
from klinika.crypto.signals import root_key_event

DB = "keystore"
Purpose = DataKey.Purpose


@dataclass(frozen=True)
class UnwrappedKey:
    key_id: UUID
    clinic_id: UUID
    purpose: str
    material: bytes
    aead: AESGCM | None
    aad_prefix: bytes  # "klinika/v1|" + clinic id: the start of every field's aad
    # An index key's HMAC-SHA256 inner and outer states (RFC 2104), keyed once: see blind.compute
    hmac_pads: tuple | None = None


_cache = KeyCache(settings.KLINIKA_KEY_CACHE_SIZE, settings.KLINIKA_KEY_CACHE_SECONDS)
# (clinic_id, purpose) -> raw key id of the active clinic-wide key; (clinic_id, subject_ref) -> raw key id
_active = KeyCache(settings.KLINIKA_KEY_CACHE_SIZE, settings.KLINIKA_KEY_CACHE_SECONDS)
# kek_id -> unwrapped KEK material: a cold read unwraps a data key without a second query
_keks = KeyCache(1_000, settings.KLINIKA_KEY_CACHE_SECONDS)


def forget_cached_keys():
    _cache.clear()
    _active.clear()
    _keks.clear()
    provider().forget_keys()  # a destroyed root key generation leaves this process's memory too


def _dek_aad(clinic_id: UUID, key_id: UUID, purpose: str) -> bytes:
    return b"klinika/key/v1|" + clinic_id.bytes + key_id.bytes + purpose.encode()


def _kek_material(kek: KeyEncryptionKey) -> bytes:
    if kek.state == KeyState.DESTROYED or kek.wrapped is None:
        raise KeyDestroyed(f"The key-encryption key of clinic {kek.clinic_id} was shredded.")
    return provider().unwrap(bytes(kek.wrapped), kek_aad(kek.clinic_id, kek.key_id), kek.root_generation)


def _active_kek(clinic_id: UUID) -> KeyEncryptionKey:
    kek = KeyEncryptionKey.objects.using(DB).filter(clinic_id=clinic_id, state=KeyState.ACTIVE).first()
    if kek is None:
        if KeyEncryptionKey.objects.using(DB).filter(clinic_id=clinic_id).exists():
            raise KeyDestroyed(f"Clinic {clinic_id} was crypto-shredded; its data cannot be read or written.")
        raise KeyNotFound(f"Clinic {clinic_id} has no keys; create it with `klinika clinic create`.")
    return kek


def _wrap_new(clinic_id: UUID, purpose: str, subject_ref: UUID | None = None) -> DataKey:
    kek = _active_kek(clinic_id)
    kek_material = _kek_material(kek)
    row = DataKey(clinic_id=clinic_id, purpose=purpose, subject_ref=subject_ref, kek_id=kek.key_id)
    if purpose == Purpose.SIGNING:
        private = Ed25519PrivateKey.generate()
        material = private.private_bytes_raw()
        row.public_key = private.public_key().public_bytes_raw()
    else:
        material = os.urandom(32)
    nonce = os.urandom(12)
    row.wrapped = nonce + AESGCM(kek_material).encrypt(nonce, material, _dek_aad(clinic_id, row.key_id, purpose))
    row.save(using=DB)
    return row


def create_clinic_keys(clinic_id: UUID) -> None:
    """A new clinic's KEK and its clinic-wide keys."""
    with transaction.atomic(using=DB):
        kek = KeyEncryptionKey(clinic_id=clinic_id, root_generation=current_root_generation())
        kek.wrapped = provider().wrap(os.urandom(32), kek_aad(clinic_id, kek.key_id), kek.root_generation)
        kek.save(using=DB)
        for purpose in (Purpose.DATA, Purpose.INDEX, Purpose.SIGNING, Purpose.AUDIT):
            _wrap_new(clinic_id, purpose)


def _kek_material_by_id(kek_id: UUID, for_key: UUID) -> bytes:
    material = _keks.get(kek_id)
    if material is None:
        kek = KeyEncryptionKey.objects.using(DB).filter(key_id=kek_id).first()
        if kek is None:
            raise KeyNotFound(f"Key {for_key} names a key-encryption key that does not exist.")
        material = _kek_material(kek)
        _keks.put(kek_id, material)
    return material


def _unwrap(row: DataKey) -> UnwrappedKey:
    if row.state == KeyState.DESTROYED or row.wrapped is None:
        raise KeyDestroyed(f"Key {row.key_id} was crypto-shredded.")
    blob = bytes(row.wrapped)
    material = AESGCM(_kek_material_by_id(row.kek_id, row.key_id)).decrypt(
        blob[:12], blob[12:], _dek_aad(row.clinic_id, row.key_id, row.purpose)
    )
    aead = AESGCM(material) if row.purpose in (Purpose.DATA, Purpose.SUBJECT) else None
    aad_prefix = b"klinika/v1|" + row.clinic_id.bytes
    pads = _hmac_pads(material) if row.purpose == Purpose.INDEX else None
    return UnwrappedKey(row.key_id, row.clinic_id, row.purpose, material, aead, aad_prefix, pads)


def _hmac_pads(material: bytes) -> tuple:
    block = material.ljust(hashlib.sha256().block_size, b"\0")  # keys of 32 bytes: no pre-hashing
    return hashlib.sha256(block.translate(hmac.trans_36)), hashlib.sha256(block.translate(hmac.trans_5C))


def key_by_raw_id(raw_id: bytes) -> UnwrappedKey:
    """The key a ciphertext names (its 16 id bytes); cached, so reads skip the keystore."""
    if time.monotonic() >= _revocations.due:
        poll_revocations()
    key = _cache.get(raw_id)
    if key is None:
        row = DataKey.objects.using(DB).filter(key_id=UUID(bytes=raw_id)).first()
        if row is None:
            raise KeyNotFound(f"No key {UUID(bytes=raw_id)} in this keystore.")
        key = _unwrap(row)
        _cache.put(raw_id, key)
    return key


def preload(raw_ids) -> None:
    """Fetch and unwrap, in one keystore query, every key of `raw_ids` not cached yet.

    Shredded keys are skipped: a read of their values still raises KeyDestroyed, one by one.
    """
    if time.monotonic() >= _revocations.due:
        poll_revocations()
    missing = [UUID(bytes=raw_id) for raw_id in _cache.missing(raw_ids)]
    for start in range(0, len(missing), 500):
        for row in DataKey.objects.using(DB).filter(key_id__in=missing[start:start + 500]):
            try:
                _cache.put(row.key_id.bytes, _unwrap(row))
            except KeyDestroyed:
                continue


def key_by_id(key_id: UUID) -> UnwrappedKey:
    return key_by_raw_id(key_id.bytes)


def clinic_key(clinic_id: UUID, purpose: str) -> UnwrappedKey:
    """The active clinic-wide key of a purpose (DEK for new writes, index, signing)."""
    raw_id = _active.get((clinic_id, purpose))
    if raw_id is None:
        row = DataKey.objects.using(DB).filter(clinic_id=clinic_id, purpose=purpose, state=KeyState.ACTIVE).first()
        if row is None:
            _active_kek(clinic_id)  # raises the precise reason (shredded, or never created)
            raise KeyNotFound(f"Clinic {clinic_id} has no active {purpose} key.")
        key = _unwrap(row)
        _cache.put(row.key_id.bytes, key)
        _active.put((clinic_id, purpose), row.key_id.bytes)
        return key
    return key_by_raw_id(raw_id)


def ensure_clinic_key(clinic_id: UUID, purpose: str) -> UnwrappedKey:
    """clinic_key(), made now for a clinic created before keys of this purpose existed."""
    try:
        return clinic_key(clinic_id, purpose)
    except KeyNotFound:
        try:
            with transaction.atomic(using=DB):
                _wrap_new(clinic_id, purpose)
        except IntegrityError:  # made by a parallel process a moment ago
            pass
        return clinic_key(clinic_id, purpose)


def subject_key(clinic_id: UUID, subject_ref: UUID) -> UnwrappedKey:
    """The key of one person, made on first use."""
    raw_id = _active.get((clinic_id, subject_ref))
    if raw_id is not None:
        return key_by_raw_id(raw_id)
    # purpose= lets the partial unique index one_key_per_subject answer: without it, a full scan
    # (14 ms per cold lookup at 100k patients, bench/RESULTS.md "registration desk")
    mine = DataKey.objects.using(DB).filter(clinic_id=clinic_id, purpose=Purpose.SUBJECT, subject_ref=subject_ref)
    row = mine.first()
    if row is None:
        try:
            with transaction.atomic(using=DB):
                row = _wrap_new(clinic_id, Purpose.SUBJECT, subject_ref)
        except IntegrityError:  # made by a parallel request a moment ago
            row = mine.get()
    key = _unwrap(row)
    _cache.put(row.key_id.bytes, key)
    _active.put((clinic_id, subject_ref), row.key_id.bytes)
    return key


def create_subject_keys(clinic_id: UUID, subject_refs: list[UUID]) -> None:
    """New keys for many new people at once (a bulk import): one KEK unwrap, one insert.

    The refs must be new (IntegrityError otherwise: one_key_per_subject). The keys go into this
    process's cache, so the import's encryption reads none of them back from the keystore."""
    if not subject_refs:
        return
    kek = _active_kek(clinic_id)
    kek_aead = AESGCM(_kek_material(kek))
    rows, materials = [], []
    for subject_ref in subject_refs:
        row = DataKey(clinic_id=clinic_id, purpose=Purpose.SUBJECT, subject_ref=subject_ref, kek_id=kek.key_id)
        material = os.urandom(32)
        nonce = os.urandom(12)
        row.wrapped = nonce + kek_aead.encrypt(nonce, material, _dek_aad(clinic_id, row.key_id, Purpose.SUBJECT))
        rows.append(row)
        materials.append(material)
    with transaction.atomic(using=DB):
        DataKey.objects.using(DB).bulk_create(rows)
    aad_prefix = b"klinika/v1|" + clinic_id.bytes
    for row, material in zip(rows, materials, strict=True):
        key = UnwrappedKey(row.key_id, clinic_id, Purpose.SUBJECT, material, AESGCM(material), aad_prefix)
        _cache.put(row.key_id.bytes, key)
        _active.put((clinic_id, row.subject_ref), row.key_id.bytes)


def load_subject_keys(clinic_id: UUID, subject_refs) -> None:
    """Bring many people's existing keys into the cache in one query (a bulk import about to write
    their rows, or an export about to read them); refs without a key are left to subject_key(), which
    makes one, and destroyed keys to the reads, which see the fields as erased."""
    missing = [ref for ref in set(subject_refs) if _active.get((clinic_id, ref)) is None]
    if not missing:
        return
    for row in DataKey.objects.using(DB).filter(clinic_id=clinic_id, purpose=Purpose.SUBJECT,
                                                subject_ref__in=missing).exclude(state=KeyState.DESTROYED):
        key = _unwrap(row)
        _cache.put(row.key_id.bytes, key)
        _active.put((clinic_id, row.subject_ref), row.key_id.bytes)


def forget_subject_keys(clinic_id: UUID, subject_refs) -> None:
    """Drop these people's keys from this process's cache (a bulk import is done with them): the
    cache stays the size of one chunk instead of growing with the import."""
    entries = [(clinic_id, ref) for ref in subject_refs]
    _cache.discard([raw_id for entry in entries if (raw_id := _active.get(entry)) is not None])
    _active.discard(entries)


def signing_public_keys(clinic_id: UUID) -> dict[UUID, bytes]:
    rows = DataKey.objects.using(DB).filter(clinic_id=clinic_id, purpose=Purpose.SIGNING)
    return {row.key_id: bytes(row.public_key) for row in rows}


def signing_private_key(clinic_id: UUID) -> tuple[UUID, Ed25519PrivateKey]:
    key = clinic_key(clinic_id, Purpose.SIGNING)
    return key.key_id, Ed25519PrivateKey.from_private_bytes(key.material)


def public_key_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# Keys of owners that are not clinics (the vendor, the data factory, a test environment), and keys
# made elsewhere that must not outlive a date (a test dataset's environment key).

def ensure_owner_keys(owner: UUID) -> None:
    """A key hierarchy for a non-clinic owner, made on first use."""
    if not KeyEncryptionKey.objects.using(DB).filter(clinic_id=owner).exists():
        try:
            create_clinic_keys(owner)
        except IntegrityError:
            pass  # made by a parallel process a moment ago


def store_expiring_key(owner: UUID, subject_ref: UUID, material: bytes, *, expires_at) -> UUID:
    """Keep key material made elsewhere as `owner`'s key for `subject_ref`, wrapped under its KEK.

    Raises IntegrityError when `subject_ref` had a key already (live or destroyed): never replaced."""
    with transaction.atomic(using=DB):
        kek = _active_kek(owner)
        row = DataKey(clinic_id=owner, purpose=Purpose.SUBJECT, subject_ref=subject_ref, kek_id=kek.key_id,
                      expires_at=expires_at)
        nonce = os.urandom(12)
        row.wrapped = nonce + AESGCM(_kek_material(kek)).encrypt(
            nonce, material, _dek_aad(owner, row.key_id, Purpose.SUBJECT))
        row.save(using=DB)
    return row.key_id


def expiring_key(owner: UUID, subject_ref: UUID, now) -> bytes:
    """The material of a key kept by store_expiring_key; never cached, refused from its expiry on."""
    row = DataKey.objects.using(DB).filter(clinic_id=owner, purpose=Purpose.SUBJECT, subject_ref=subject_ref).first()
    if row is None:
        raise KeyNotFound(f"No key for {subject_ref} in this keystore.")
    if row.expires_at is not None and row.expires_at <= now:
        raise KeyDestroyed(f"Key {row.key_id} expired at {row.expires_at:%Y-%m-%d %H:%M} UTC.")
    return _unwrap(row).material


def expired_keys(owner: UUID, now) -> list[UUID]:
    """Subject refs of `owner`'s live keys past their expiry (destroy each with erase_subject)."""
    return list(DataKey.objects.using(DB).filter(
        clinic_id=owner, purpose=Purpose.SUBJECT, expires_at__lte=now).exclude(
        state=KeyState.DESTROYED).values_list("subject_ref", flat=True))


# The audit chain's anchors outside the clinic database: where keyed links begin, and a
# copy of every signed checkpoint. Written here, in the keystore, so that write access to
# the clinic database alone can neither move the start nor remove a checkpoint.

def keyed_links_start(chain: str, keyed_from: int, head_hash: str) -> AuditChainStart:
    """Record that `chain` is HMAC-linked from event #keyed_from on; the first record wins."""
    try:
        with transaction.atomic(using=DB):
            return AuditChainStart.objects.using(DB).create(chain=chain, keyed_from=keyed_from, head_hash=head_hash)
    except IntegrityError:  # recorded before (by a parallel writer, or before a rollback of the clinic side)
        return AuditChainStart.objects.using(DB).get(chain=chain)


def keyed_links_recorded(chain: str) -> AuditChainStart | None:
    return AuditChainStart.objects.using(DB).filter(chain=chain).first()


def witness_checkpoint(*, chain: str, seq: int, head_hash: str, at, key_id: UUID, signature: bytes) -> None:
    AuditWitness.objects.using(DB).create(
        chain=chain, seq=seq, head_hash=head_hash, at=at, key_id=key_id, signature=signature)


def witnessed_checkpoints(chain: str) -> list[AuditWitness]:
    return list(AuditWitness.objects.using(DB).filter(chain=chain).order_by("seq", "at"))


@dataclass
class RotationReport:
    old_kek: UUID
    new_kek: UUID
    rewrapped: int
    new_dek: UUID


def rotate_clinic(clinic_id: UUID) -> RotationReport:
    """New KEK; every live key re-wrapped under it; old KEK destroyed; new DEK for new writes.

    No data row is rewritten: ciphertexts name their key id, and every old key id stays
    readable. The index key is kept (blind indexes could not be rebuilt without rewriting).
    """
    with transaction.atomic(using=DB):
        old = KeyEncryptionKey.objects.using(DB).select_for_update().get(clinic_id=clinic_id, state=KeyState.ACTIVE)
        old_material = _kek_material(old)
        new = KeyEncryptionKey(clinic_id=clinic_id, root_generation=current_root_generation())
        new_material = os.urandom(32)
        new.wrapped = provider().wrap(new_material, kek_aad(clinic_id, new.key_id), new.root_generation)
        old.state, old.wrapped, old.destroyed_at = KeyState.DESTROYED, None, timezone.now()
        old.save(using=DB)
        new.save(using=DB)
        rewrapped = 0
        rows = DataKey.objects.using(DB).filter(clinic_id=clinic_id, kek_id=old.key_id).exclude(
            state=KeyState.DESTROYED
        )
        for row in rows.iterator():
            blob = bytes(row.wrapped)
            aad = _dek_aad(clinic_id, row.key_id, row.purpose)
            material = AESGCM(old_material).decrypt(blob[:12], blob[12:], aad)
            nonce = os.urandom(12)
            row.wrapped = nonce + AESGCM(new_material).encrypt(nonce, material, aad)
            row.kek_id = new.key_id
            row.save(using=DB, update_fields=["wrapped", "kek_id"])
            rewrapped += 1
        DataKey.objects.using(DB).filter(clinic_id=clinic_id, purpose=Purpose.DATA, state=KeyState.ACTIVE).update(
            state=KeyState.RETIRED
        )
        dek = _wrap_new(clinic_id, Purpose.DATA)
        bump_revocations()
    forget_cached_keys()
    _scrub_freed_space()
    return RotationReport(old.key_id, new.key_id, rewrapped, dek.key_id)


def shred_clinic(clinic_id: UUID) -> int:
    """Destroy the clinic's KEKs and its clinic-level keys. Returns how many keys died.

    From this moment nothing of the clinic can be unwrapped: every per-person key is wrapped by a
    destroyed KEK. Those rows (one per person) are wiped afterwards by sweep_shredded_subject_keys,
    in chunks, so that the shred itself costs the same for 1,000 patients as for 100,000
    (bench/crypto_shred.py)."""
    now = timezone.now()
    with transaction.atomic(using=DB):
        keks = KeyEncryptionKey.objects.using(DB).filter(clinic_id=clinic_id).exclude(state=KeyState.DESTROYED)
        count = keks.update(state=KeyState.DESTROYED, wrapped=None, destroyed_at=now)
        clinic_purposes = [p for p in Purpose.values if p != Purpose.SUBJECT]
        count += (
            DataKey.objects.using(DB)
            .filter(clinic_id=clinic_id, purpose__in=clinic_purposes)
            .exclude(state=KeyState.DESTROYED)
            .update(state=KeyState.DESTROYED, wrapped=None, destroyed_at=now)
        )
        bump_revocations()
    forget_cached_keys()
    _scrub_freed_space()
    return count


def sweep_shredded_subject_keys(clinic_id: UUID, *, chunk: int = 5000) -> int:
    """Wipe the per-person keys of a shredded clinic (unreadable already: their KEK is gone).
    Idempotent and chunked; refuses while the clinic still has a live KEK."""
    if KeyEncryptionKey.objects.using(DB).filter(clinic_id=clinic_id).exclude(state=KeyState.DESTROYED).exists():
        raise ValueError(f"Clinic {clinic_id} still has a live key-encryption key: shred it first")
    swept = 0
    live = DataKey.objects.using(DB).filter(clinic_id=clinic_id, purpose=Purpose.SUBJECT).exclude(
        state=KeyState.DESTROYED)
    while True:
        with transaction.atomic(using=DB):
            ids = list(live.values_list("key_id", flat=True)[:chunk])
            if not ids:
                break
            swept += DataKey.objects.using(DB).filter(key_id__in=ids).update(
                state=KeyState.DESTROYED, wrapped=None, destroyed_at=timezone.now())
    if swept:
        _scrub_freed_space()
    return swept


def erase_subject(clinic_id: UUID, subject_ref: UUID) -> bool:
    """Destroy one person's key. True if a live key was destroyed."""
    with transaction.atomic(using=DB):
        count = (
            DataKey.objects.using(DB)
            .filter(clinic_id=clinic_id, subject_ref=subject_ref, purpose=Purpose.SUBJECT)
            .exclude(state=KeyState.DESTROYED)
            .update(state=KeyState.DESTROYED, wrapped=None, destroyed_at=timezone.now())
        )
        bump_revocations()
    forget_cached_keys()
    _scrub_freed_space()
    return count > 0


def _scrub_freed_space():
    """Make destroyed key material leave the keystore's files, not just its tables.

    SQLite runs with secure_delete (freed pages are zeroed) and is checkpointed so the
    write-ahead log drops old pages; PostgreSQL's VACUUM removes dead row versions.
    """
    connection = connections[DB]
    if connection.in_atomic_block:
        return  # inside a caller's transaction (tests): nothing is freed until it ends
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            cursor.execute(f"VACUUM {KeyEncryptionKey._meta.db_table}, {DataKey._meta.db_table}")


# --------------------------------------------------------------------------- revocation
# A key destroyed by another process (erase-subject, shred, an index rotation) must stop
# working here within seconds, not after the cache lifetime, and without a keystore query per
# read: every read compares the clock with `due`; once per interval one query reads the
# keystore's revocation counter, and when it moved every cached key is dropped.


class _RevocationPoll:
    due = 0.0  # time.monotonic() of the next look at the counter; 0: look on the next read
    generation = None  # the counter as last seen by this process
    lock = threading.Lock()


_revocations = _RevocationPoll()


def poll_revocations() -> None:
    """Read the revocation counter (once per KLINIKA_KEY_REVOCATION_SECONDS, whichever thread
    gets here first) and drop every cached key if it moved. Fails closed: a keystore that cannot
    be asked raises, here and on the next read, instead of leaving stale keys in use."""
    poll = _revocations
    if not poll.lock.acquire(blocking=False):
        return  # another thread is asking right now; this read uses keys at most one interval old
    try:
        if time.monotonic() < poll.due:
            return
        generation = KeyRevocation.objects.using(DB).filter(pk=1).values_list("generation", flat=True).first() or 0
        if poll.generation is not None and generation != poll.generation:
            forget_cached_keys()
        poll.generation = generation
        poll.due = time.monotonic() + settings.KLINIKA_KEY_REVOCATION_SECONDS
    finally:
        poll.lock.release()


def bump_revocations() -> None:
    """Tell every process to drop its cached keys (call inside the transaction that destroys)."""
    if not KeyRevocation.objects.using(DB).filter(pk=1).update(generation=F("generation") + 1):
        KeyRevocation.objects.using(DB).get_or_create(pk=1, defaults={"generation": 1})


# --------------------------------------------------------------------------- index keys
# Index rotation: a new index key, every blind index recomputed with it, the old one destroyed.
# While it runs the new key is PENDING: new indexes are computed with it and searches try both
# keys, so search stays right whichever key a row's indexes were computed with.

_INDEX_KEYS = "index-keys"  # the _active entry naming a clinic's index keys, pending first


def index_keys(clinic_id: UUID) -> tuple[UnwrappedKey, ...]:
    """The clinic's live index keys: the first computes new indexes, a search tries each."""
    raw_ids = _active.get((clinic_id, _INDEX_KEYS))
    if raw_ids is None:
        rows = list(DataKey.objects.using(DB).filter(
            clinic_id=clinic_id, purpose=Purpose.INDEX, state__in=(KeyState.ACTIVE, KeyState.PENDING)))
        if not rows:
            _active_kek(clinic_id)  # raises the precise reason (shredded, or never created)
            raise KeyNotFound(f"Clinic {clinic_id} has no active index key.")
        rows.sort(key=lambda row: row.state != KeyState.PENDING)
        for row in rows:
            _cache.put(row.key_id.bytes, _unwrap(row))
        raw_ids = tuple(row.key_id.bytes for row in rows)
        _active.put((clinic_id, _INDEX_KEYS), raw_ids)
    return tuple(key_by_raw_id(raw_id) for raw_id in raw_ids)


def begin_index_rotation(clinic_id: UUID) -> tuple[IndexRotation, bool]:
    """The clinic's rotation under way, or a new one with a new PENDING index key.

    Returns (rotation, resumed). Other processes learn of the new key at their next revocation
    poll; wait_for_processes() waits that long before any index is recomputed.
    """
    with transaction.atomic(using=DB):
        rotation = IndexRotation.objects.using(DB).select_for_update().filter(clinic_id=clinic_id).first()
        if rotation is not None:
            return rotation, True
        old = DataKey.objects.using(DB).filter(
            clinic_id=clinic_id, purpose=Purpose.INDEX, state=KeyState.ACTIVE).first()
        if old is None:
            _active_kek(clinic_id)
            raise KeyNotFound(f"Clinic {clinic_id} has no active index key.")
        kek = _active_kek(clinic_id)
        new = DataKey(clinic_id=clinic_id, purpose=Purpose.INDEX, kek_id=kek.key_id, state=KeyState.PENDING)
        nonce = os.urandom(12)
        new.wrapped = nonce + AESGCM(_kek_material(kek)).encrypt(
            nonce, os.urandom(32), _dek_aad(clinic_id, new.key_id, Purpose.INDEX))
        new.save(using=DB)
        rotation = IndexRotation.objects.using(DB).create(
            clinic_id=clinic_id, old_key_id=old.key_id, new_key_id=new.key_id)
        bump_revocations()
    forget_cached_keys()
    return rotation, False


def wait_for_processes(rotation: IndexRotation) -> None:
    """Until every running process computes new indexes with the pending key: two polling
    intervals after the rotation began (one to notice, one for requests already under way)."""
    ready = rotation.started_at.timestamp() + 2 * settings.KLINIKA_KEY_REVOCATION_SECONDS
    time.sleep(max(0.0, ready - time.time()))


def record_index_progress(clinic_id: UUID, table: str, last_pk) -> None:
    with transaction.atomic(using=DB):
        rotation = IndexRotation.objects.using(DB).select_for_update().get(clinic_id=clinic_id)
        rotation.progress[table] = last_pk
        rotation.save(using=DB, update_fields=["progress"])


def finish_index_rotation(clinic_id: UUID) -> IndexRotation:
    """The pending key becomes the only index key; the old one is destroyed."""
    with transaction.atomic(using=DB):
        rotation = IndexRotation.objects.using(DB).select_for_update().get(clinic_id=clinic_id)
        DataKey.objects.using(DB).filter(key_id=rotation.old_key_id).update(
            state=KeyState.DESTROYED, wrapped=None, destroyed_at=timezone.now())
        DataKey.objects.using(DB).filter(key_id=rotation.new_key_id).update(state=KeyState.ACTIVE)
        rotation.delete()
        bump_revocations()
    forget_cached_keys()
    _scrub_freed_space()
    return rotation


# --------------------------------------------------------------------------- root key generations
# The root key is numbered (root.py). Each KEK row names the generation that wraps it, so every
# process unwraps with the right one whatever rotation is under way, and cached keys never change:
# a rotation re-wraps the same KEK material. Retiring a generation bounds the life of every keystore
# backup made while it was current: once it is destroyed, nothing in such a backup opens.


@dataclass(frozen=True)
class RootGeneration:
    number: int
    fingerprint: str
    created_at: datetime
    retired_at: datetime | None
    destroy_after: datetime | None
    destroyed_at: datetime | None


@dataclass(frozen=True)
class RootRotationReport:
    generation: int  # the current generation afterwards
    retired: tuple[int, ...]  # generations this run retired
    rewrapped: int  # KEKs this run re-wrapped
    destroy_after: datetime | None  # when the retired generations may be destroyed
    resumed: bool  # an interrupted rotation was completed instead of a new generation made


class RootGenerationInUse(KlinikaCryptoError):
    """A root key generation cannot be destroyed (yet); `destroyed` lists those that were."""

    def __init__(self, message: str, destroyed: list[int] | None = None):
        super().__init__(message)
        self.destroyed = destroyed or []


def _live_keks():
    return KeyEncryptionKey.objects.using(DB).filter(wrapped__isnull=False).exclude(state=KeyState.DESTROYED)


def _generation_rows() -> list[RootKeyGeneration]:
    rows = list(RootKeyGeneration.objects.using(DB).order_by("number"))
    if rows:
        return rows
    # A keystore whose first root key was never recorded as a generation (emptied by a test's flush,
    # or checked by no command since the upgrade): that key is generation 1, as every KEK says.
    check = RootKeyCheck.objects.using(DB).filter(pk=1).first()
    fingerprint = check.fingerprint if check else provider().fingerprint(1)
    row, _ = RootKeyGeneration.objects.using(DB).get_or_create(number=1, defaults={"fingerprint": fingerprint})
    return [row]


def root_generations() -> list[RootGeneration]:
    """Every root key generation, oldest first; the last is current."""
    return [RootGeneration(r.number, r.fingerprint, r.created_at, r.retired_at, r.destroy_after, r.destroyed_at)
            for r in _generation_rows()]


def current_root_generation() -> int:
    """The generation new KEKs are wrapped under: the newest."""
    number = RootKeyGeneration.objects.using(DB).aggregate(newest=Max("number"))["newest"]
    return number if number is not None else _generation_rows()[-1].number


def _retention(days: int | None) -> timedelta:
    days = settings.KLINIKA_BACKUP_RETENTION_DAYS if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"The backup retention window must be a whole number of days, 0 or more (got {days!r}).")
    return timedelta(days=days)


def rotate_root(*, retention_days: int | None = None, on_rewrapped=None) -> RootRotationReport:
    """A new root key generation; every live KEK re-wrapped under it (same KEK material, no data
    touched); the previous generation retired, to be destroyed after now + retention_days
    (default KLINIKA_BACKUP_RETENTION_DAYS).

    Crash-safe: the new generation's key is on disk (fsynced) before it is recorded, and each KEK
    is re-wrapped in its own transaction, naming its generation, so at every moment each KEK opens
    with the generation its row names. A rotation that stopped halfway (a previous generation not
    yet retired, or a KEK still under an older generation) is completed by the next call instead of
    starting another. on_rewrapped(kek_id) is called after each KEK is committed (progress).
    """
    window = _retention(retention_days)
    root = provider()
    rows = _generation_rows()
    current = rows[-1]
    unfinished = [r.number for r in rows[:-1] if r.retired_at is None]
    resumed = bool(unfinished) or _live_keks().exclude(root_generation=current.number).exists()
    if resumed:
        target = current.number
        root_key_event.send(sender=RootGeneration, generation=target,
                            reason=f"root rotation resumed: completing generation {target}")
    else:
        target = current.number + 1
        fingerprint = root.create_generation(target)
        try:
            with transaction.atomic(using=DB):
                RootKeyGeneration.objects.using(DB).create(number=target, fingerprint=fingerprint)
        except IntegrityError:  # a parallel rotation recorded it a moment ago: this run helps it finish
            resumed = True
        root_key_event.send(sender=RootGeneration, generation=target,
                            reason=f"root rotation started: generation {target} made")
    recorded = RootKeyGeneration.objects.using(DB).get(number=target)
    if not hmac.compare_digest(recorded.fingerprint, root.fingerprint(target)):
        raise KlinikaCryptoError(
            f"Root key generation {target} on hand ({root.source(target)}) is not the one the keystore recorded; "
            f"restore that generation's key from your key backup before rotating.")
    rewrapped = _rewrap_under(target, on_rewrapped)
    now = timezone.now()
    destroy_after = now + window
    with transaction.atomic(using=DB):
        retired = list(RootKeyGeneration.objects.using(DB).select_for_update().filter(
            number__lt=target, retired_at__isnull=True).order_by("number"))
        for row in retired:
            row.retired_at, row.destroy_after = now, destroy_after
            row.save(using=DB, update_fields=["retired_at", "destroy_after"])
    # A KEK made under the old generation by a process that looked just before the new one was
    # recorded: re-wrapped too (destroying a generation refuses while any KEK is under it).
    rewrapped += _rewrap_under(target, on_rewrapped)
    numbers = tuple(row.number for row in retired)
    if numbers:
        reason = (f"root rotation done: generation {target} current, {rewrapped} KEKs re-wrapped, generation(s) "
                  f"{', '.join(map(str, numbers))} retired, destroy after {destroy_after:%Y-%m-%d %H:%M} UTC")
    else:
        reason = f"root rotation done: generation {target} current, {rewrapped} KEKs re-wrapped"
    root_key_event.send(sender=RootGeneration, generation=target, reason=reason)
    return RootRotationReport(target, numbers, rewrapped, destroy_after if numbers else None, resumed)


def _rewrap_under(target: int, on_rewrapped) -> int:
    root = provider()
    done = 0
    while True:
        pending = _live_keks().exclude(root_generation=target).order_by("key_id")
        ids = list(pending.values_list("key_id", flat=True)[:200])
        if not ids:
            return done
        for key_id in ids:
            with transaction.atomic(using=DB):
                kek = _live_keks().select_for_update().filter(key_id=key_id).first()
                if kek is None or kek.root_generation == target:
                    continue  # shredded or re-wrapped by a parallel run meanwhile
                aad = kek_aad(kek.clinic_id, kek.key_id)
                material = root.unwrap(bytes(kek.wrapped), aad, kek.root_generation)
                kek.wrapped, kek.root_generation = root.wrap(material, aad, target), target
                kek.save(using=DB, update_fields=["wrapped", "root_generation"])
            done += 1
            if on_rewrapped is not None:
                on_rewrapped(key_id)


def destroy_root_generation(number: int, *, now=None) -> None:
    """Destroy one retired generation whose destroy_after has passed: its key material is removed
    from the root key provider, then it is marked destroyed. Refuses the current generation, one not
    retired or not due yet, and one that still wraps a live KEK (RootGenerationInUse)."""
    now = now or timezone.now()
    with transaction.atomic(using=DB):
        row = RootKeyGeneration.objects.using(DB).select_for_update().filter(number=number).first()
        if row is None:
            raise RootGenerationInUse(f"There is no root key generation {number} (see `klinika keys generations`).")
        if row.destroyed_at is not None:
            return
        if number == current_root_generation() or row.retired_at is None:
            raise RootGenerationInUse(
                f"Root key generation {number} is not retired (it is current, or its rotation did not finish); "
                f"run `klinika keys rotate-root` first.")
        if row.destroy_after is not None and row.destroy_after > now:
            raise RootGenerationInUse(
                f"Root key generation {number} is kept until {row.destroy_after:%Y-%m-%d %H:%M} UTC (the backup "
                f"retention window): keystore backups made before then still need it.")
        live = _live_keks().filter(root_generation=number)
        if live.exists():
            clinics = sorted({str(c) for c in live.values_list("clinic_id", flat=True)})
            raise RootGenerationInUse(
                f"Root key generation {number} still wraps {live.count()} live key-encryption key(s) (clinics "
                f"{', '.join(clinics[:3])}{' and more' if len(clinics) > 3 else ''}); destroying it would destroy "
                f"their data. Run `klinika keys rotate-root`: it re-wraps them under the current generation "
                f"without making a new one. Then destroy again.")
        # The material goes first: a crash before the mark leaves a generation that is gone but not yet
        # marked (the next run marks it), never one marked destroyed whose key still exists.
        provider().destroy_generation(number)
        row.destroyed_at = timezone.now()
        row.save(using=DB, update_fields=["destroyed_at"])
        bump_revocations()  # other processes drop the generation's key from memory too
    forget_cached_keys()
    root_key_event.send(sender=RootGeneration, generation=number,
                        reason=f"root key generation {number} destroyed: keystore backups made under it open no more")


def destroy_due_root_generations(now=None) -> list[int]:
    """Destroy every retired generation whose destroy_after has passed; returns their numbers.
    Raises RootGenerationInUse (with .destroyed) if a due one cannot be destroyed; the others are."""
    now = now or timezone.now()
    due = list(RootKeyGeneration.objects.using(DB).filter(
        retired_at__isnull=False, destroyed_at__isnull=True, destroy_after__lte=now).order_by("number")
        .values_list("number", flat=True))
    destroyed, refused = [], []
    for number in due:
        try:
            destroy_root_generation(number, now=now)
        except RootGenerationInUse as exc:
            refused.append(str(exc))
            continue
        destroyed.append(number)
    if refused:
        raise RootGenerationInUse(" ".join(refused), destroyed)
    return destroyed
