"""Visit records: encounters with versioned content, vital signs, allergies, attachments, code lists.

Everything clinical is encrypted under the patient's subject key. A signed version is never
changed in place (model save refuses it, and database triggers refuse UPDATE/DELETE of a
signed row — migration 0002); an amendment is a new version with author, time and reason.
"""
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinika.crypto.fields import EncryptedJSONField, EncryptedTextField
from klinika.patients.models import Patient
from klinika.scheduling.models import Appointment
from klinika.staff.models import Practitioner
from klinika.tenancy.context import cross_clinic_reason, require_clinic_id
from klinika.tenancy.models import Clinic, ClinicOwnedModel


class CodeSystem(models.TextChoices):
    ICD10 = "icd10", "ICD-10"
    ICD9PL = "icd9pl", "ICD-9-PL"


class CodeQuerySet(models.QuerySet):
    pass


class CodeManager(models.Manager.from_queryset(CodeQuerySet)):
    """Built-in codes (no clinic) plus the licensed dictionary of the clinic in context."""

    def get_queryset(self):
        qs = super().get_queryset()
        if cross_clinic_reason() is not None:
            return qs
        return qs.filter(models.Q(clinic__isnull=True) | models.Q(clinic_id=require_clinic_id()))


class Code(ClinicOwnedModel):
    """An ICD-10 or ICD-9-PL code. Built-in entries (names we wrote) have no clinic; a full
    dictionary loaded under a clinic's licence (`klinika codes load`) belongs to that clinic only."""

    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               editable=False)
    system = models.CharField(max_length=8, choices=CodeSystem.choices)
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=255)
    search_text = models.CharField(max_length=300, db_index=True)  # "j06.9 ostre zakazenie …", for type-ahead

    objects = CodeManager()
    all_clinics = models.Manager()

    class Meta:
        base_manager_name = "all_clinics"
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], condition=models.Q(clinic__isnull=True),
                                    name="builtin_code_unique"),
            models.UniqueConstraint(fields=["clinic", "system", "code"], name="clinic_code_unique"),
        ]
        indexes = [models.Index(fields=["system", "code"])]

    def __str__(self):
        return f"{self.code} {self.name}"


class Encounter(ClinicOwnedModel):
    """One visit. Its content lives in versions; `current` is the newest."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="encounters")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="encounters")
    appointment = models.OneToOneField(Appointment, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="encounter")
    started_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    current = models.ForeignKey("EncounterVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "patient", "started_at"])]

    def encryption_subject_ref(self):
        return self.patient.subject_ref


class EncounterVersion(ClinicOwnedModel):
    """The content of a visit at one moment. Version 1 is the original; later ones are amendments.

    content = {"interview", "examination", "recommendations",
               "diagnoses": [{"code", "name", "main": bool}], "procedures": [{"code", "name"}]}
    """

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = EncryptedJSONField()
    amendment_reason = EncryptedTextField(max_length=500, blank=True)
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    # A default rather than auto_now_add, so imported history keeps when it was written.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["encounter", "number"], name="encounter_version_number")]

    def encryption_subject_ref(self):
        return self.encounter.patient.subject_ref

    def save(self, *args, **kwargs):
        if self.pk is not None and EncounterVersion.all_clinics.filter(pk=self.pk, signed_at__isnull=False).exists():
            raise SignedRecordError("A signed visit record is never changed; write an amendment instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.signed_at is not None:
            raise SignedRecordError("A signed visit record is never deleted.")
        return super().delete(*args, **kwargs)


class SignedRecordError(Exception):
    pass


class VitalSigns(ClinicOwnedModel):
    """A set of measurements, append-only: a correction is a new row that supersedes the old.

    values = {"bp_systolic", "bp_diastolic", "pulse", "temperature", "weight_kg", "height_cm",
              "bmi" (computed), "pregnancy_week"}
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="vital_signs")
    encounter = models.ForeignKey(Encounter, null=True, blank=True, on_delete=models.PROTECT, related_name="vitals")
    values = EncryptedJSONField()
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    # A default rather than auto_now_add, so imported history keeps when it was measured.
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")

    class Meta:
        indexes = [models.Index(fields=["clinic", "patient", "recorded_at"])]

    def encryption_subject_ref(self):
        return self.patient.subject_ref


class Allergy(ClinicOwnedModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = EncryptedTextField(max_length=200)
    reaction = EncryptedTextField(max_length=500, blank=True)
    severity = models.CharField(max_length=10, choices=[("mild", _("mild")), ("moderate", _("moderate")),
                                                        ("severe", _("severe"))], blank=True)
    is_active = models.BooleanField(default=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)  # as VitalSigns.recorded_at

    def encryption_subject_ref(self):
        return self.patient.subject_ref


class Attachment(ClinicOwnedModel):
    """A scan or lab result. The file is encrypted under the patient's key before it is stored."""

    class Kind(models.TextChoices):
        SCAN = "scan", _("scanned document")
        LAB = "lab", _("laboratory result")
        IMAGE = "image", _("image")
        OTHER = "other", _("other")
        # Kept under their own retention periods (ustawa o prawach pacjenta, art. 29 ust. 1 pkt 2 and 3):
        # an X-ray image kept outside the documentation, and a referral or order the clinic received.
        XRAY = "xray", _("X-ray image")
        REFERRAL = "referral", _("received referral or order")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="attachments")
    encounter = models.ForeignKey(Encounter, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="attachments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=40)  # detected from the bytes, not the name
    size = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=200, unique=True)  # random, says nothing about the content
    original_name = EncryptedTextField(max_length=255)
    description = EncryptedTextField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)  # as VitalSigns.recorded_at

    def encryption_subject_ref(self):
        return self.patient.subject_ref
