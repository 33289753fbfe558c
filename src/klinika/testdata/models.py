"""Where each clinic of a non-production instance came from (docs/test-environments.md)."""
from django.db import models

from klinika.tenancy.models import ClinicOwnedModel


class DatasetProvenance(ClinicOwnedModel):
    """A clinic's origin: a signed dataset loaded here, or made empty in this non-production instance.

    A clinic without one (a copy of a production database) stops a non-production instance from
    starting. A dataset's signed manifest is kept whole: every start verifies it again. Holds no
    personal data; the guard reads every clinic's row through cross_clinic()."""

    class Origin(models.TextChoices):
        DATASET = "dataset"  # loaded from a signed dataset (`klinika testenv load`)
        LOCAL = "local"  # created here, empty, by `klinika clinic create` or `klinika demo`

    origin = models.CharField(max_length=10, choices=Origin.choices)
    environment = models.CharField(max_length=20)  # KLINIKA_ENV when recorded
    dataset_id = models.UUIDField(null=True, unique=True)
    dataset_origin = models.CharField(max_length=20, blank=True)  # synthetic | anonymized
    manifest = models.BinaryField(null=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    signature = models.BinaryField(null=True)
    expires_at = models.DateTimeField(null=True)
    staged_at = models.CharField(max_length=500, blank=True)  # the encrypted copy the importer reads
    recorded_at = models.DateTimeField(auto_now_add=True)
    expired_at = models.DateTimeField(null=True)  # environment key destroyed, clinic shredded

    class Meta(ClinicOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_provenance_per_clinic")]
