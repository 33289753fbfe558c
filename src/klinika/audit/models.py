"""The audit trail: one event per access to personal data, hash-chained per clinic.

Shaped after IHE BALP: who (actor), what (action on object type/id), whose (subject, an
opaque id), why (reason), when, from which request, with what outcome. No plaintext
personal data is ever stored here.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

from klinika.tenancy.models import Clinic, ClinicOwnedModel

VENDOR_CHAIN = "vendor"


class Action(models.TextChoices):
    CREATE = "create", _("create")
    READ = "read", _("read")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    PRINT = "print", _("print")
    LOGIN = "login", _("login")
    LOGIN_FAILED = "login-failed", _("failed login")
    LOGOUT = "logout", _("logout")
    GRANT = "grant", _("grant")
    KEY = "key", _("key operation")


class AuditEvent(ClinicOwnedModel):
    # Vendor-level events (a vendor operator's login, creating a clinic) have no clinic
    # and go to the separate "vendor" chain.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    chain = models.CharField(max_length=36)
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor_role = models.CharField(max_length=30, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    subject_ref = models.UUIDField(null=True, db_index=True)
    reason = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, default="success")
    request_id = models.CharField(max_length=36, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # 1: SHA-256(prev || event), written before keyed links existed; 2: HMAC-SHA256 under the
    # chain's audit key. Which events must be 2 is recorded in the keystore (AuditChainStart),
    # not taken from this column: an intruder who sets it to 1 is caught.
    link_version = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq")]
        indexes = [models.Index(fields=["clinic", "subject_ref", "at"])]
        ordering = ["chain", "seq"]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(ClinicOwnedModel):
    """The last event of a chain; locked while appending, so sequence numbers never fork."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    chain = models.CharField(max_length=36, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    last_checkpoint_seq = models.PositiveBigIntegerField(default=0)
    # Set once the keystore records where keyed links begin: a hint for writers only.
    keyed_from = models.PositiveBigIntegerField(null=True)


class AuditCheckpoint(ClinicOwnedModel):
    """An Ed25519 signature over the chain head at one moment; survives a shred (public key kept)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", null=True, editable=False)
    chain = models.CharField(max_length=36)
    seq = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    key_id = models.UUIDField()
    signature = models.BinaryField()

    class Meta:
        ordering = ["chain", "seq"]
