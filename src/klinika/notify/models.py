import uuid

from django.db import models

from klinika.crypto.fields import EncryptedTextField
from klinika.tenancy.models import ClinicOwnedModel


class OutboundMessage(ClinicOwnedModel):
    """Every SMS and e-mail sent: recipient and text encrypted under the recipient's key."""

    class Channel(models.TextChoices):
        SMS = "sms"
        EMAIL = "email"

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"

    subject_ref = models.UUIDField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(max_length=40)  # "reminder", "access-code", …: never health data
    # What the message is about, as an opaque id ("reminder:42"): lets a clinic find a reminder's message.
    reference = models.CharField(max_length=80, blank=True, db_index=True)
    recipient = EncryptedTextField(max_length=254)
    body = EncryptedTextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    gateway = models.CharField(max_length=40, blank=True)
    gateway_message_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["clinic", "created_at"])]

    def encryption_subject_ref(self):
        return self.subject_ref
