import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from klinika.crypto.fields import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from klinika.tenancy.models import ClinicOwnedModel


class Patient(ClinicOwnedModel):
    """A patient of one clinic. Every personal field is encrypted under the patient's own key."""

    subject_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = EncryptedTextField(_("first name"), max_length=100)
    last_name = EncryptedTextField(_("last name"), max_length=150)
    pesel = EncryptedTextField(_("PESEL"), max_length=11, blank=True)
    birth_date = EncryptedDateField(_("birth date"))
    sex = EncryptedTextField(_("sex"), max_length=1)
    # {"street", "building", "apartment", "postal_code", "city", "country"}
    address = EncryptedJSONField(_("address"), blank=True)
    phone = EncryptedTextField(_("phone"), max_length=30, blank=True)
    email = EncryptedTextField(_("e-mail"), max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    pesel_index = BlindIndexField(source="pesel", normaliser="digits")
    last_name_index = BlindIndexField(source="last_name", normaliser="text")
    phone_index = BlindIndexField(source="phone", normaliser="phone")
    email_index = BlindIndexField(source="email", normaliser="email")

    class Meta:
        indexes = [models.Index(fields=["clinic", "created_at"])]

    def encryption_subject_ref(self):
        return self.subject_ref

    def __str__(self):
        return f"{self.last_name} {self.first_name}"
