"""A clinic's termination: one row per clinic, recording each step as it completes.

It holds no personal data (dates, key ids, counts, hashes, the operators' and the admin's
logins) and is kept after the clinic's rows are removed, with the audit trail, as proof.
"""
import uuid

from django.db import models

from klinika.tenancy.models import ClinicOwnedModel

__all__ = ["Termination"]


class Termination(ClinicOwnedModel):
    # Kept when the clinic's rows are removed (services/removal.py): it is the proof, not the data.
    kept_after_termination = True

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # notice given
    reason = models.CharField(max_length=200)
    notice_by = models.CharField(max_length=150)
    notice_at = models.DateTimeField()
    # export delivered: SHA-256 of the handover's manifest.json (Contract B) and what it said
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    manifest_summary = models.JSONField(default=dict, blank=True)
    delivered_by = models.CharField(max_length=150, blank=True)
    delivered_at = models.DateTimeField(null=True)
    # export acknowledged by one of the clinic's administrators
    acknowledged_by = models.CharField(max_length=150, blank=True)
    acknowledged_at = models.DateTimeField(null=True)
    grace_ends_at = models.DateTimeField(null=True)
    grace_ended_at = models.DateTimeField(null=True)
    # crypto-shred: when, and the inventory of keys destroyed (ids and counts, no material)
    shredded_at = models.DateTimeField(null=True)
    destroyed_keys = models.JSONField(default=dict, blank=True)
    # the root generation that wrapped the clinic's KEK, retired by the rotation after the shred
    root_generation = models.PositiveIntegerField(null=True)
    root_retired_at = models.DateTimeField(null=True)
    root_destroy_after = models.DateTimeField(null=True)
    # row removal: rows removed per table (updated in the same transaction as each chunk)
    rows_removed = models.JSONField(default=dict, blank=True)
    tables_done = models.JSONField(default=list, blank=True)
    rows_removed_at = models.DateTimeField(null=True)
    # the signed deletion certificate (canonical JSON bytes, as issued)
    certificate = models.BinaryField(null=True)
    certified_at = models.DateTimeField(null=True)
    # the second signed statement, once root generation N is destroyed
    backup_statement = models.BinaryField(null=True)
    backup_statement_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_termination_per_clinic")]

    def __str__(self):
        return f"termination {self.public_id}"
