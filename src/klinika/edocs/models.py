"""e-Documents: e-prescriptions (in packages of 1–5), e-referrals, e-sick-leave (e-ZLA).

Content is encrypted JSON under the patient's subject key; document numbers, statuses and
the platform's ids are not personal data. Each document keeps a history of its statuses.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

from klinika.crypto.fields import EncryptedJSONField, EncryptedTextField
from klinika.patients.models import Patient
from klinika.records.models import Encounter
from klinika.staff.models import Practitioner
from klinika.tenancy.models import ClinicOwnedModel


class DocStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SIGNED = "signed", _("signed")
    SUBMITTED = "submitted", _("submitted")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")
    # Issued outside klinika and imported as history (services/bulk.py): klinika never sent it to the
    # platform and never saw the platform's answer, so it is neither "signed" (waiting) nor "submitted".
    IMPORTED = "imported", _("imported")


class DocKind(models.TextChoices):
    PRESCRIPTION = "rx", _("e-prescription")
    REFERRAL = "ref", _("e-referral")
    SICK_LEAVE = "zla", _("e-sick-leave")


class Drug(models.Model):
    """The small built-in drug list (free entry is allowed too). Not clinic data."""

    name = models.CharField(max_length=120)
    strength = models.CharField(max_length=60, blank=True)
    form = models.CharField(max_length=60, blank=True)
    pack_size = models.CharField(max_length=60, blank=True)
    gtin = models.CharField(max_length=14, blank=True, db_index=True)
    is_antibiotic = models.BooleanField(default=False)
    is_immunological = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "strength"]

    def __str__(self):
        return " ".join(filter(None, [self.name, self.strength, self.form, self.pack_size]))


class NumberSequence(ClinicOwnedModel):
    """The last document number used per clinic, kind and year; incremented under a row lock."""

    kind = models.CharField(max_length=3, choices=DocKind.choices)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "kind", "year"], name="one_sequence_per_kind_year")]


class EDocument(ClinicOwnedModel):
    """Fields every e-document has."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="+")
    encounter = models.ForeignKey(Encounter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=DocStatus.choices, default=DocStatus.DRAFT)
    content = EncryptedJSONField()
    access_code = EncryptedTextField(max_length=4, blank=True)
    platform_id = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submit_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)  # the platform's reason: codes, no personal data
    # When the next submission attempt is due (None: none pending). A worker that takes an attempt
    # pushes it forward first, so a second worker sees nothing due (a lease, not a lock held over the call).
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    def encryption_subject_ref(self):
        return self.patient.subject_ref


class PrescriptionPackage(ClinicOwnedModel):
    """1–5 prescriptions issued together, with one access code for the patient."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="+")
    encounter = models.ForeignKey(Encounter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    access_code = EncryptedTextField(max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def encryption_subject_ref(self):
        return self.patient.subject_ref


class Prescription(EDocument):
    """One drug. content = {"drug": {"name","strength","form","pack_size","gtin"}, "dosage", "quantity",
    "payment_level", "entitlement", "kind", "no_substitution", "valid_from", "validity_days", "supply_days"}"""

    package = models.ForeignKey(PrescriptionPackage, on_delete=models.PROTECT, related_name="prescriptions")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "number"], name="prescription_number_unique")]


class Referral(EDocument):
    """content = {"kind": "02.10"|"02.11"|"02.12", "icd10", "icd9": [...], "purpose", "tests_done", "cito",
    "target_specialty"}"""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "number"], name="referral_number_unique")]


class SickLeave(EDocument):
    """content = {"from", "to", "icd10", "letter_codes", "indication": 1|2, "payer_nip", "omit_codes"}.
    Never edited once issued: cancelled and reissued (reissue_of)."""

    reissue_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="reissued_as")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "number"], name="sick_leave_number_unique")]


class DocumentEvent(ClinicOwnedModel):
    """A document's history: every status change, submission attempt and platform answer."""

    kind = models.CharField(max_length=3, choices=DocKind.choices)
    document_id = models.BigIntegerField()
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    detail = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "kind", "document_id", "at"])]
