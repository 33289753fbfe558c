"""Appointment reminders: who gets one, over which channel, and what the patient's reply link does.

A reminder is claimed by inserting its row (one per appointment, a unique constraint)
before anything is sent, in a transaction of its own: two workers racing for the same
appointment cannot both win, so a patient never gets the same reminder twice. A worker
that dies between the claim and the send leaves the reminder "scheduled"; it is not
retried (a missed reminder is better than a doubled one).

Texts carry the clinic's name, the date and time and the reply link, nothing else: a
text saying "gynecology" or naming the doctor's field is health data on a phone's lock
screen.
"""
import datetime
import hashlib
import re
import secrets
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _

from klinika.audit.context import SYSTEM, Actor, acting_as, current_actor
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.notify import texts
from klinika.notify.models import OutboundMessage
from klinika.notify.phones import to_msisdn
from klinika.notify.services import send_email, send_sms
from klinika.patients.models import ContactChannel
from klinika.scheduling.models import Appointment, AppointmentStatus, Reminder, SchedulingSettings
from klinika.tenancy.context import cross_clinic, require_clinic_id
from klinika.tenancy.models import Clinic

PURPOSE = "reminder"
DEFAULT_DAYS_AHEAD = 2
REMINDER_ACTOR = Actor(None, "system:reminders")
PATIENT_LINK_ROLE = "patient-link"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def is_token(token) -> bool:
    """Shaped like a reply token: anything else is not looked up at all."""
    return isinstance(token, str) and _TOKEN.fullmatch(token) is not None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reply_link(token: str) -> str:
    return settings.KLINIKA_PUBLIC_URL + reverse("reminders:reply", args=[token])


def days_ahead() -> int:
    row = SchedulingSettings.objects.first()
    return row.reminder_days_ahead if row is not None else DEFAULT_DAYS_AHEAD


@dataclass
class ReminderRun:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    taken: int = 0  # claimed by another worker first

    def as_dict(self) -> dict:
        return asdict(self)


def due_appointments(now=None) -> list[int]:
    """Booked appointments from tomorrow up to `reminder_days_ahead` days ahead that have no reminder yet.

    The window starts tomorrow rather than on the day exactly N days ahead, so a day the
    job did not run, or a visit booked at short notice, still gets its reminder.
    """
    today = timezone.localdate(now)
    start = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=days_ahead() + 1),
                                                        datetime.time.min))
    return list(
        Appointment.objects.filter(status=AppointmentStatus.BOOKED, starts_at__gte=start, starts_at__lt=end,
                                   reminders__isnull=True)
        .order_by("starts_at", "pk").values_list("pk", flat=True)
    )


def send_due_reminders(now=None, progress=None) -> ReminderRun:
    """Remind every due appointment of the clinic in context. `progress(done, total)` after each."""
    require_clinic_id()
    actor = REMINDER_ACTOR if current_actor() == SYSTEM else current_actor()
    run = ReminderRun()
    with acting_as(actor):
        due = due_appointments(now)
        for done, appointment_id in enumerate(due, start=1):
            reminder = send_reminder(appointment_id)
            if reminder is None:
                run.taken += 1
            elif reminder.status == Reminder.Status.SENT:
                run.sent += 1
            elif reminder.status == Reminder.Status.SKIPPED:
                run.skipped += 1
            else:
                run.failed += 1
            if progress:
                progress(done, len(due))
    return run


def channel_and_contact(patient) -> tuple[str, str, str]:
    """(channel, contact, why not) for the patient's preferred channel; channel "" when none may be used.

    The one rule for every message to a patient about their visits (reminders, waitlist offers)."""
    if not patient.is_active or patient.merged_into_id:
        return "", "", "patient record inactive"
    channel = patient.preferred_channel
    try:
        if channel == ContactChannel.SMS and patient.consent_sms and patient.phone:
            return channel, to_msisdn(patient.phone), ""
        if channel == ContactChannel.EMAIL and patient.consent_email and patient.email:
            validate_email(patient.email)
            return channel, patient.email, ""
    except ValidationError:
        return "", "", f"no usable {channel} contact"
    return "", "", f"no consent or no contact for {channel or 'any channel'}"


def send_reminder(appointment_id) -> Reminder | None:
    """Claim and send the reminder of one appointment; None if it already has one (or is no longer booked)."""
    appointment = (Appointment.objects.select_related("patient")
                   .filter(pk=appointment_id, status=AppointmentStatus.BOOKED).first())
    if appointment is None:
        return None
    patient = appointment.patient
    channel, contact, why_not = channel_and_contact(patient)
    token = secrets.token_urlsafe(32)
    reminder = Reminder(appointment=appointment, channel=channel, token_hash=hash_token(token),
                        status=Reminder.Status.SCHEDULED if channel else Reminder.Status.SKIPPED)
    try:
        with transaction.atomic():
            reminder.save()
            record(Action.CREATE, object_type="reminder", object_id=reminder.pk, subject_ref=patient.subject_ref,
                   reason=f"appointment {appointment.pk}: " + (f"sending by {channel}" if channel else
                                                                f"skipped, {why_not}"))
    except IntegrityError:
        return None  # another worker claimed this appointment first
    if not channel:
        return reminder

    clinic = Clinic.objects.get(pk=appointment.clinic_id)
    message = _send(clinic, patient.subject_ref, channel, contact, appointment.starts_at, token, reminder.pk)
    with transaction.atomic():
        reminder.status = Reminder.Status.SENT if message.status == OutboundMessage.Status.SENT \
            else Reminder.Status.FAILED
        reminder.sent_at = message.sent_at
        reminder.save(update_fields=["status", "sent_at"])
    return reminder


def message_context(clinic: Clinic, starts_at, token: str) -> dict[str, str]:
    """Everything a reminder text may say: the clinic, the date, the time, the link. Nothing else."""
    local = timezone.localtime(starts_at)
    return {"clinic": clinic.name, "date": format_date(local, "d.m"), "time": format_date(local, "H:i"),
            "link": reply_link(token)}


def _send(clinic, subject_ref, channel, contact, starts_at, token, reminder_id) -> OutboundMessage:
    context = message_context(clinic, starts_at, token)
    reference = f"reminder:{reminder_id}"
    if channel == ContactChannel.SMS:
        return send_sms(clinic, subject_ref, PURPOSE, contact, texts.render("reminder_sms", context),
                        reference=reference)
    return send_email(clinic, subject_ref, PURPOSE, contact, texts.render("reminder_email", context),
                      subject=texts.render("reminder_email_subject", context), reference=reference)


# --- the reply link ------------------------------------------------------------------------------
# The token in the link is the patient's authority: there is no login and no policy role
# behind it. What it allows is narrow (see this one appointment's date and clinic, confirm
# it, cancel it) and every use is audited with the actor role "patient-link".


class LinkExpired(Exception):
    """The appointment has passed or was cancelled: the link can no longer change anything."""

    def __init__(self, page: "ReplyPage"):
        super().__init__(page.state)
        self.page = page


@dataclass
class ReplyPage:
    clinic_name: str
    starts_at: datetime.datetime
    # open | confirmed | cancelled_by_patient | cancelled | past
    state: str

    @property
    def can_answer(self) -> bool:
        return self.state in ("open", "confirmed")


def find_by_token(token: str) -> tuple | None:
    """(clinic id, reminder id) for a reply token, or None. Reads ids only, across clinics."""
    if not is_token(token):
        return None
    with cross_clinic("reminder reply link: find the clinic of a token hash (ids only)"):
        return Reminder.objects.filter(token_hash=hash_token(token)).values_list("clinic_id", "pk").first()


def _load(reminder_id, lock=False) -> tuple[Reminder, Appointment]:
    reminders = Reminder.objects.select_for_update() if lock else Reminder.objects
    reminder = reminders.get(pk=reminder_id)
    appointments = Appointment.objects.select_related("patient")
    if lock:
        appointments = appointments.select_for_update(of=("self",))
    return reminder, appointments.get(pk=reminder.appointment_id)


def _page(reminder: Reminder, appointment: Appointment, now=None) -> ReplyPage:
    now = now or timezone.now()
    if appointment.status == AppointmentStatus.CANCELLED:
        state = "cancelled_by_patient" if reminder.response == Reminder.Response.CANCELLED else "cancelled"
    elif appointment.status != AppointmentStatus.BOOKED or appointment.starts_at <= now:
        state = "past"
    elif reminder.response == Reminder.Response.CONFIRMED:
        state = "confirmed"
    else:
        state = "open"
    return ReplyPage(Clinic.objects.get(pk=appointment.clinic_id).name, appointment.starts_at, state)


def reply_page(reminder_id) -> ReplyPage:
    """What the link shows: the clinic, date and time, and where the appointment stands."""
    with transaction.atomic():
        reminder, appointment = _load(reminder_id)
        record(Action.READ, object_type="appointment", object_id=appointment.pk,
               subject_ref=appointment.patient.subject_ref, reason="reminder link opened")
        return _page(reminder, appointment)


def confirm_by_patient(reminder_id) -> ReplyPage:
    with transaction.atomic():
        reminder, appointment = _load(reminder_id, lock=True)
        page = _page(reminder, appointment)
        if not page.can_answer:
            raise LinkExpired(page)
        if reminder.response != Reminder.Response.CONFIRMED:
            reminder.response, reminder.responded_at = Reminder.Response.CONFIRMED, timezone.now()
            reminder.save(update_fields=["response", "responded_at"])
            record(Action.UPDATE, object_type="reminder", object_id=reminder.pk,
                   subject_ref=appointment.patient.subject_ref, reason="appointment confirmed through the link")
        return _page(reminder, appointment)


def cancel_by_patient(reminder_id) -> ReplyPage:
    """Cancel the appointment through scheduling's own service (it audits, frees the time, tells the waitlist)."""
    from klinika.scheduling.services import cancel_appointment

    with transaction.atomic():
        reminder, appointment = _load(reminder_id, lock=True)
        page = _page(reminder, appointment)
        if not page.can_answer:
            raise LinkExpired(page)
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("Cancelled by the patient through the reminder link.")
        try:
            appointment = cancel_appointment(None, appointment.pk, reason, patient_link=True)
        except ValidationError:
            # It started in the meantime (or staff changed it): the link is past its use.
            raise LinkExpired(_page(reminder, Appointment.objects.get(pk=appointment.pk))) from None
        reminder.response, reminder.responded_at = Reminder.Response.CANCELLED, appointment.cancelled_at
        reminder.save(update_fields=["response", "responded_at"])
        record(Action.UPDATE, object_type="reminder", object_id=reminder.pk,
               subject_ref=appointment.patient.subject_ref, reason="appointment cancelled through the link")
        return _page(reminder, appointment)
