"""A handover export's record: who asked, where it is written, how far it got. No personal data:
the files themselves are on disk (possibly age-encrypted), this row holds counts and hashes."""
import uuid

from django.db import models
from django.utils.translation import pgettext_lazy

from klinika.tenancy.models import ClinicOwnedModel

__all__ = ["HandoverExport"]


class HandoverExport(ClinicOwnedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("handover export status", "queued")
        RUNNING = "running", pgettext_lazy("handover export status", "running")
        COMPLETE = "complete", pgettext_lazy("handover export status", "complete")
        FAILED = "failed", pgettext_lazy("handover export status", "failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # when the row last heard from its export (progress, status): a "running" export silent for long has
    # lost its worker and may be resumed (services.resume_export)
    updated_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    directory = models.CharField(max_length=500)  # where the export is written (server side)
    recipients = models.JSONField(default=list, blank=True)  # age public keys: not secret, not personal
    step = models.CharField(max_length=60, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    files = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)  # an operator's message, no personal data

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def resumable(self) -> bool:
        from klinika.lifecycle.handover.services import is_resumable

        return is_resumable(self)

    @property
    def percent(self) -> int:
        if self.status == self.Status.COMPLETE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
