from django.db import models
from django.utils.translation import gettext_lazy as _

from klinika.accounts.models import StaffMember
from klinika.crypto.fields import BlindIndexField, EncryptedTextField
from klinika.tenancy.models import ClinicOwnedModel


class Specialty(models.Model):
    """The national code list of medical specialties (e.g. 0724 położnictwo i ginekologia). Not clinic data."""

    code = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=150)
    name_en = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self):
        return f"{self.code} {self.name}"


class Profession(models.TextChoices):
    DOCTOR = "doctor", _("doctor")
    NURSE = "nurse", _("nurse")
    MIDWIFE = "midwife", _("midwife")


class Practitioner(ClinicOwnedModel):
    """A member of staff who sees patients, with the licence that allows it."""

    staff = models.OneToOneField(StaffMember, on_delete=models.PROTECT, related_name="practitioner")
    profession = models.CharField(_("profession"), max_length=10, choices=Profession.choices)
    title = models.CharField(_("title"), max_length=30, blank=True, help_text=_("e.g. lek., dr n. med."))
    licence_number = EncryptedTextField(_("licence number"), max_length=8)
    licence_index = BlindIndexField(source="licence_number", normaliser="text")
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="practitioners")
    is_active = models.BooleanField(default=True)

    class Meta(ClinicOwnedModel.Meta):
        # A licence number belongs to one person: checked by the service for a clear message,
        # and here so that two admins saving at once cannot both succeed.
        constraints = [models.UniqueConstraint(fields=["clinic", "licence_index"],
                                               name="licence_unique_in_clinic")]

    def encryption_subject_ref(self):
        return self.staff.subject_ref

    def __str__(self):
        return f"{self.title} {self.staff}".strip()
