"""Schedules (weekly availability minus exceptions), appointments, waitlist and reminders.

Bookable slots are computed from these, never stored one by one.
"""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinika.crypto.fields import EncryptedTextField
from klinika.patients.models import Patient
from klinika.staff.models import Practitioner, Specialty
from klinika.tenancy.models import ClinicOwnedModel


class SchedulingSettings(ClinicOwnedModel):
    """One row per clinic."""

    reminder_days_ahead = models.PositiveSmallIntegerField(_("send reminders this many days ahead"), default=2)
    planning_horizon_days = models.PositiveSmallIntegerField(_("booking possible this many days ahead"), default=90)
    # Printed on the patient's visit confirmation: the clinic's public address and how to cancel (not personal data).
    address = models.CharField(_("address printed on visit confirmations"), max_length=200, blank=True, default="")
    cancel_info = models.CharField(_("how to cancel, printed on visit confirmations"), max_length=300, blank=True,
                                   default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="one_scheduling_settings_per_clinic"),
            models.CheckConstraint(condition=models.Q(reminder_days_ahead__gte=1, reminder_days_ahead__lte=5),
                                   name="reminders_1_to_5_days_ahead"),
        ]


class Room(ClinicOwnedModel):
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="room_name_unique_in_clinic")]

    def __str__(self):
        return self.name


class VisitType(ClinicOwnedModel):
    """First visit, follow-up, prenatal visit…: each with its own length."""

    code = models.SlugField(max_length=30)
    name = models.CharField(_("name"), max_length=80)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "code"], name="visit_type_code_unique_in_clinic")]

    def __str__(self):
        return self.name


WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]


class WeeklyAvailability(ClinicOwnedModel):
    """A practitioner's recurring hours on one weekday (0 = Monday).

    Two rows of one practitioner never overlap in weekday, time and validity (services/setup.py refuses it)."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=15)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL)
    visit_types = models.ManyToManyField(VisitType, related_name="+")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "practitioner", "weekday"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekday_0_to_6"),
            models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")),
                                   name="availability_ends_after_it_starts"),
        ]


class AvailabilityException(ClinicOwnedModel):
    """Leave (no slots) or extra hours (more slots) at one time."""

    class Kind(models.TextChoices):
        UNAVAILABLE = "unavailable", _("leave / unavailable")
        EXTRA = "extra", _("extra hours")

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    slot_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL)
    visit_types = models.ManyToManyField(VisitType, blank=True, related_name="+")
    note = EncryptedTextField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "practitioner", "starts_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="exception_ends_after_it_starts")]


class AppointmentStatus(models.TextChoices):
    # A slot held for a waitlist offer while the patient decides (services/waitlist.py): not a visit yet.
    HELD = "held", _("held for a waitlist offer")
    BOOKED = "booked", _("booked")
    CHECKED_IN = "checked_in", _("checked in")
    COMPLETED = "completed", _("completed")
    NO_SHOW = "no_show", _("no-show")
    CANCELLED = "cancelled", _("cancelled")


# Statuses that hold the practitioner's time: two of these may never overlap (a database constraint).
TIME_HOLDING = [AppointmentStatus.HELD, AppointmentStatus.BOOKED,
                AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED,
                AppointmentStatus.NO_SHOW]


class Appointment(ClinicOwnedModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="appointments")
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    reason = EncryptedTextField(_("reason for the visit"), max_length=500, blank=True)
    cancel_reason = EncryptedTextField(_("reason for cancelling"), max_length=300, blank=True)
    booked_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    rescheduled_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    # When it was booked: a default rather than auto_now_add, so imported history keeps its booking dates.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The desk chose to keep this visit although a leave or an hours change left it outside the
    # practitioner's hours (services/setup.py): listed for the desk until it takes place or moves.
    outside_hours = models.BooleanField(_("kept outside working hours"), default=False, db_default=False)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "practitioner", "starts_at"]),
            models.Index(fields=["clinic", "patient", "starts_at"]),
            models.Index(fields=["clinic", "starts_at"]),
            # What the SQLite no-overlap trigger searches (ends_at > the new start): a few rows per insert
            # instead of every earlier appointment of the practitioner (an imported history's years).
            models.Index(fields=["practitioner", "ends_at"]),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="appointment_ends_after_it_starts")]
        # The no-overlap rule is added by migration 0002 (PostgreSQL exclusion constraint,
        # SQLite triggers): Django has no portable way to say it.

    def encryption_subject_ref(self):
        return self.patient.subject_ref


class WaitlistEntry(ClinicOwnedModel):
    """A patient who wants an earlier slot; offered the next freed one that fits."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        OFFERED = "offered", _("slot offered")
        BOOKED = "booked", _("booked")
        WITHDRAWN = "withdrawn", _("withdrawn")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist_entries")
    practitioner = models.ForeignKey(Practitioner, null=True, blank=True, on_delete=models.CASCADE)
    specialty = models.ForeignKey(Specialty, null=True, blank=True, on_delete=models.PROTECT)
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT)
    earliest = models.DateField()
    latest = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    offered_practitioner = models.ForeignKey(Practitioner, null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+")
    offered_starts_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "status", "earliest"])]

    def encryption_subject_ref(self):
        return self.patient.subject_ref


class Reminder(ClinicOwnedModel):
    """One reminder of one appointment; the reply link carries a token whose hash is stored."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped (no consent or contact)")

    class Response(models.TextChoices):
        NONE = "", _("no answer")
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=10, choices=Response.choices, blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment"], name="one_reminder_per_appointment")]


class WaitlistOffer(ClinicOwnedModel):
    """One offer of a freed slot to a waitlist entry, and the message that tells the patient about it.

    Made in the same transaction as the offer; the message goes out after it commits. The
    link's token is stored as its hash only. Of an entry's offers only the latest can be open.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped (no consent or contact)")

    class Response(models.TextChoices):
        NONE = "", _("no answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        TAKEN = "taken", _("taken by someone else first")

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    channel = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=10, choices=Response.choices, blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "entry"])]
