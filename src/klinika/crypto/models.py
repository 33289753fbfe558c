"""The keystore. These tables live in the `keystore` database only (see router.py).

Clinic ids here are plain UUIDs, not foreign keys: the clinic table is in another database.
"""
import uuid

from django.db import models
from django.utils import timezone


class RootKeyCheck(models.Model):
    """Proves which root key this keystore was made with, without storing the key."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    provider = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # "production" once a production instance has opened this keystore: a copy of it is then refused
    # by every other environment (root.check_root_key), with its root key.
    environment = models.CharField(max_length=20, blank=True, default="")


class RootKeyGeneration(models.Model):
    """One generation of the root key (keystore.rotate_root). The newest is current: new KEKs are
    wrapped under it. An older one is retired once every live KEK is re-wrapped under a newer one,
    and destroyed (its material gone from the root key provider) after `destroy_after`: from then
    on no keystore backup made while it was current opens."""

    number = models.PositiveIntegerField(primary_key=True)
    fingerprint = models.CharField(max_length=64)  # root.RootKeyProvider.fingerprint(number)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True)
    destroy_after = models.DateTimeField(null=True)
    destroyed_at = models.DateTimeField(null=True)


class KeyState(models.TextChoices):
    ACTIVE = "active"  # used for new writes and for reads
    RETIRED = "retired"  # reads only (after rotation)
    DESTROYED = "destroyed"  # material gone: crypto-shredded
    # A new index key while `keys rotate --index` recomputes the blind indexes: new indexes are
    # computed with it, searches try it and the active one (keystore.index_keys).
    PENDING = "pending"


class KeyEncryptionKey(models.Model):
    """A clinic's KEK, wrapped by the root key."""

    key_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic_id = models.UUIDField(db_index=True)
    wrapped = models.BinaryField(null=True)
    state = models.CharField(max_length=10, choices=KeyState.choices, default=KeyState.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True)
    # The root key generation `wrapped` is wrapped under (RootKeyGeneration.number); keys from before
    # generations existed are under the installation's first root key, generation 1.
    root_generation = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic_id"], condition=models.Q(state="active"), name="one_active_kek_per_clinic"
            )
        ]


class DataKey(models.Model):
    """A clinic's data, index, signing, audit or per-person (subject) key, wrapped by the clinic KEK."""

    class Purpose(models.TextChoices):
        DATA = "dek"
        INDEX = "index"
        SUBJECT = "subject"
        SIGNING = "signing"
        AUDIT = "audit"  # HMAC key of the audit chain's links

    key_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic_id = models.UUIDField()
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    subject_ref = models.UUIDField(null=True, blank=True)
    kek_id = models.UUIDField()
    wrapped = models.BinaryField(null=True)
    # Ed25519 public key of a signing key: public, so checkpoints stay verifiable after a shred.
    public_key = models.BinaryField(null=True)
    state = models.CharField(max_length=10, choices=KeyState.choices, default=KeyState.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True)
    # A key that must not outlive a date (a test dataset's environment key): unreadable after it,
    # destroyed by the next expiry round.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "purpose", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic_id", "purpose"],
                condition=models.Q(state="active") & ~models.Q(purpose="subject"),
                name="one_active_clinic_key_per_purpose",
            ),
            models.UniqueConstraint(
                fields=["clinic_id", "subject_ref"],
                condition=models.Q(purpose="subject"),
                name="one_key_per_subject",
            ),
        ]


class AuditWitness(models.Model):
    """A copy of one signed audit checkpoint, kept outside the clinic database.

    Whoever can write only the clinic database can delete checkpoints there, but not these:
    `audit verify` requires the chain to reach and match every one of them.
    """

    chain = models.CharField(max_length=36)
    seq = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    key_id = models.UUIDField()
    signature = models.BinaryField()
    witnessed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["chain", "seq"])]


class AuditChainStart(models.Model):
    """Where a chain's keyed (HMAC) links begin: every event from `keyed_from` on is keyed.

    Events before it were linked with plain SHA-256 before keyed links existed; `head_hash`
    is the hash of the last of them, so that unkeyed prefix cannot be rewritten either.
    """

    chain = models.CharField(max_length=36, unique=True)
    keyed_from = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
class KeyRevocation(models.Model):
    """One counter, raised whenever a key is destroyed or the index keys change.

    Every process reads it at most every KLINIKA_KEY_REVOCATION_SECONDS and drops its cached keys
    when it moved (keystore.poll_revocations): an erasure or shred done elsewhere reaches every
    running process within seconds, at one cheap query per interval rather than one per read.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    generation = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)


class IndexRotation(models.Model):
    """A blind-index rotation under way (`klinika keys rotate CLINIC --index`).

    Kept until the old index key is destroyed, so a rotation stopped halfway resumes where it
    left off: `progress` maps each table to the last primary key already recomputed.
    """

    clinic_id = models.UUIDField(primary_key=True)
    old_key_id = models.UUIDField()
    new_key_id = models.UUIDField()
    progress = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
