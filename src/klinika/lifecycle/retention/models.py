"""Retention: the queue of what is past its period, the clinic's approvals, legal holds.

Nothing here names a person: items and holds point at opaque ids (a patient's subject_ref,
an attachment's public_id). A hold's reasons may (a court case number) and are encrypted
under the patient's key, so they die with the patient's other data.
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from klinika.crypto.fields import EncryptedTextField
from klinika.tenancy.models import ClinicOwnedModel

__all__ = ["ItemKind", "LegalHold", "RetentionItem", "RetentionScan"]


class ItemKind(models.TextChoices):
    PATIENT = "patient", _("patient's whole documentation")
    XRAY = "xray", _("X-ray image")
    REFERRAL = "referral", _("received referral or order")


class RetentionItem(ClinicOwnedModel):
    """Something past its retention period, found by the daily scan; erased by `retention run`
    once the clinic approved it. An erased item stays as the register of what was destroyed."""

    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    ref = models.UUIDField()  # the patient's subject_ref or the attachment's public_id
    subject_ref = models.UUIDField(db_index=True)  # the patient's, also for a single record
    rule = models.CharField(max_length=20)  # rules.RULES key
    due_on = models.DateField()
    found_at = models.DateTimeField()
    approved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "kind", "ref"], name="one_retention_item_per_ref")]
        indexes = [models.Index(fields=["clinic", "erased_at", "due_on"])]


class LegalHold(ClinicOwnedModel):
    """While in force, the patient (or the one record) is never erased, whatever its period."""

    class Target(models.TextChoices):
        PATIENT = "patient", _("patient")
        ATTACHMENT = "attachment", _("attachment")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    target = models.CharField(max_length=10, choices=Target.choices)
    ref = models.UUIDField()  # subject_ref or attachment public_id
    subject_ref = models.UUIDField(db_index=True)
    reason = EncryptedTextField(max_length=500)
    placed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = EncryptedTextField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "released_at"])]

    def encryption_subject_ref(self):
        return self.subject_ref


class RetentionScan(ClinicOwnedModel):
    """When the clinic's queue was last computed: the daily task runs once a day, the screen says when."""

    scanned_at = models.DateTimeField()
    scanned_on = models.DateField()
    due = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_retention_scan_per_clinic")]
