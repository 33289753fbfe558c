"""The incident register: one Incident per affected clinic (each clinic is a controller of its own and
reports on its own); a vendor-wide incident is several Incidents sharing one `case`.

Nothing here names a person: affected people are opaque subject refs (joined to the live registry
only on the DPO's screen), the description is encrypted under the clinic's data key, and a notice row
holds no contact data (it is read from the registry at the moment of sending).
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from klinika.crypto.fields import EncryptedTextField
from klinika.tenancy.models import ClinicOwnedModel


class SourceKind(models.TextChoices):
    DATABASE_COPY = "database_copy", _("copy of the clinic database")
    BACKUP = "backup", _("backup")
    TEST_ENVIRONMENT = "test_environment", _("test environment")
    HANDOVER_EXPORT = "handover_export", _("handover export")
    ACCOUNT = "account", _("user account")


class Recipients(models.TextChoices):
    NONE = "none", _("nobody outside the controller")
    KNOWN = "known", _("a known, limited number of recipients")
    UNKNOWN = "unknown", _("an unknown number of recipients (published, stolen)")


class Loss(models.TextChoices):
    NONE = "none", _("none")
    RECOVERABLE = "recoverable", _("recoverable")
    PERMANENT = "permanent", _("permanent")


class DetectedBy(models.TextChoices):
    CONTROLLER = "controller", _("the clinic (controller)")
    VENDOR = "vendor", _("the vendor (processor)")


class Incident(ClinicOwnedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.UUIDField(default=uuid.uuid4, db_index=True)  # shared by the clinics of one vendor-wide incident
    reference = models.CharField(max_length=40)
    summary = EncryptedTextField(_("what happened"), max_length=4000)
    detected_at = models.DateTimeField(_("time of awareness"))
    detected_by = models.CharField(max_length=12, choices=DetectedBy.choices, default=DetectedBy.CONTROLLER)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    # What identifies the source: the leaked copy's path or database name, a backup id, a dataset id,
    # an export directory, a login. Never personal data (logins are handles).
    source_ref = models.CharField(max_length=500, blank=True)
    keystore_exposed = models.BooleanField()
    root_key_exposed = models.BooleanField()
    recipients = models.CharField(max_length=10, choices=Recipients.choices, default=Recipients.UNKNOWN)
    malicious = models.BooleanField(default=True)
    integrity_loss = models.CharField(max_length=12, choices=Loss.choices, default=Loss.NONE)
    availability_loss = models.CharField(max_length=12, choices=Loss.choices, default=Loss.NONE)
    contact_point = models.CharField(_("contact point"), max_length=300)
    measures_taken = EncryptedTextField(max_length=4000, blank=True)
    delay_reason = EncryptedTextField(max_length=2000, blank=True)  # art. 33(1): when reported after 72 hours
    reported_at = models.DateTimeField(null=True, blank=True)        # to the supervisory authority (UODO)
    controller_notified_at = models.DateTimeField(null=True, blank=True)  # art. 33(2), when the vendor detected it
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    scope = models.JSONField(null=True, blank=True)     # breach.scope.Scope.as_dict(): counts, categories, reasoning
    severity = models.JSONField(null=True, blank=True)  # breach.severity.Severity.as_dict()
    opened_by = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "reference"], name="breach_incident_reference")]
        indexes = [models.Index(fields=["clinic", "detected_at"])]

    def __str__(self):
        return self.reference


class AffectedPerson(ClinicOwnedModel):
    """One person whose data the scope found in the source: categories and record counts, ids only."""

    class Kind(models.TextChoices):
        PATIENT = "patient"
        STAFF = "staff"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    subject_ref = models.UUIDField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PATIENT)
    patient_id = models.BigIntegerField(null=True)  # the live registry's row, if the person is still there
    categories = models.JSONField(default=list)
    records = models.JSONField(default=dict)  # {category: count}
    readable = models.BooleanField(default=False)  # could whoever holds the source read this person's data

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "subject_ref"], name="breach_affected_once")]


class NoticeRun(ClinicOwnedModel):
    """One sending process: its claims are orphaned once it ended, its process is gone, or it went silent."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    host = models.CharField(max_length=200)
    pid = models.IntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)


class Notice(ClinicOwnedModel):
    """One art. 34 notice to one person over one channel. The unique constraint is the guard that
    makes sending resumable: a notice exists once, is claimed once, and is "sent" only after the
    gateway accepted it."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        IN_DOUBT = "in_doubt", _("in doubt (sender stopped mid-send)")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    subject_ref = models.UUIDField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    run = models.ForeignKey(NoticeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # notify's OutboundMessage of each attempt carries reference "breach-notice:<this id>"
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "subject_ref", "channel"],
                                               name="breach_notice_once_per_channel")]
        indexes = [models.Index(fields=["incident", "status"])]
