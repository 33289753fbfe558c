"""Setting up schedules (clinic admin, schedule.manage): rooms, visit types, weekly hours, leave and extra hours,
and what happens to the booked visits such a change would leave outside the practitioner's time."""
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.inputs import calendar_date, date_range_message, outside_calendar
from klinika.notify import texts
from klinika.notify.models import OutboundMessage
from klinika.notify.services import send_email, send_sms
from klinika.patients.models import ContactChannel
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    Room,
    SchedulingSettings,
    VisitType,
    WeeklyAvailability,
)
from klinika.scheduling.services import as_id, cancel_appointment, clinic_practitioner, parse_moment, reschedule
from klinika.scheduling.services.reminders import channel_and_contact
from klinika.scheduling.services.waitlist import release_hold_of
from klinika.scheduling.slots import ZONE, find_free_slots, local_date, local_midnight
from klinika.staff.models import Practitioner
from klinika.tenancy.models import Clinic

SLOT_MINUTES = (5, 240)
VISIT_MINUTES = (5, 480)
HORIZON_DAYS = (1, 730)


def rooms(user):
    require(user, "schedule.view")
    return list(Room.objects.order_by("name"))


def visit_types(user):
    require(user, "schedule.view")
    return list(VisitType.objects.order_by("name"))


def create_room(user, name) -> Room:
    require(user, "schedule.manage")
    name = _required_text(name, "name", 60)
    if Room.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A room with this name already exists.")})
    return _save_new(Room(name=name), "room", {"name": _("A room with this name already exists.")})


def create_visit_type(user, *, name, duration_minutes, code="") -> VisitType:
    require(user, "schedule.manage")
    name = _required_text(name, "name", 80)
    code = slugify(code or name)[:30]
    if not code:
        raise ValidationError({"code": _("Give the visit type a short code (letters, digits, hyphens).")})
    minutes = whole_number_in(duration_minutes, "duration_minutes", VISIT_MINUTES)
    if VisitType.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A visit type with this code already exists.")})
    return _save_new(VisitType(code=code, name=name, duration_minutes=minutes), "visit-type",
                     {"code": _("A visit type with this code already exists.")})


def update_visit_type(user, visit_type_id, *, name, duration_minutes) -> VisitType:
    require(user, "schedule.manage")
    visit_type = get_object_or_404(VisitType.objects, pk=as_id(visit_type_id))
    visit_type.name = _required_text(name, "name", 80)
    visit_type.duration_minutes = whole_number_in(duration_minutes, "duration_minutes", VISIT_MINUTES)
    with transaction.atomic():
        visit_type.save()
        record(Action.UPDATE, object_type="visit-type", object_id=visit_type.pk)
    return visit_type


def add_weekly_hours(user, *, practitioner, weekday, start_time, end_time, visit_types, valid_from,
                     slot_minutes=15, valid_until=None, room=None) -> WeeklyAvailability:
    require(user, "schedule.manage")
    practitioner = clinic_practitioner(practitioner)
    try:
        weekday = int(weekday)
    except (TypeError, ValueError):
        weekday = -1
    if not 0 <= weekday <= 6:
        raise ValidationError({"weekday": _("Choose a day of the week.")})
    start_time, end_time = time_of_day(start_time, "start_time"), time_of_day(end_time, "end_time")
    if end_time <= start_time:
        raise ValidationError({"end_time": _("The hours must end after they start.")})
    valid_from = calendar_date(valid_from, "valid_from")
    valid_until = calendar_date(valid_until, "valid_until") if valid_until else None
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The last day must not be before the first day.")})
    slot = whole_number_in(slot_minutes, "slot_minutes", SLOT_MINUTES)
    types = _visit_types(visit_types)
    room = _room(room)
    hours = WeeklyAvailability(practitioner=practitioner, weekday=weekday, start_time=start_time, end_time=end_time,
                               slot_minutes=slot, room=room, valid_from=valid_from, valid_until=valid_until)
    with transaction.atomic():
        # One practitioner's additions wait for each other here, so two overlapping ones cannot both pass.
        Practitioner.objects.select_for_update().filter(pk=practitioner.pk).exists()
        check_no_overlap(practitioner, weekday=weekday, start_time=start_time, end_time=end_time,
                         valid_from=valid_from, valid_until=valid_until)
        hours.save()
        hours.visit_types.set(types)
        record(Action.CREATE, object_type="availability", object_id=hours.pk)
    return hours


def overlapping_hours(practitioner, *, weekday, start_time, end_time, valid_from, valid_until=None):
    """The practitioner's weekly hours on that weekday that share time and days of validity with these."""
    found = WeeklyAvailability.objects.filter(
        practitioner=practitioner, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
    if valid_until is not None:
        found = found.filter(valid_from__lte=valid_until)
    return list(found.order_by("start_time"))


def check_no_overlap(practitioner, **hours):
    """ValidationError naming the hours these would overlap (a practitioner works one set of hours at a time)."""
    clash = overlapping_hours(practitioner, **hours)
    if clash:
        other = clash[0]
        raise ValidationError({"start_time": _(
            "These hours overlap %(weekday)s %(start)s–%(end)s (valid from %(from)s) of this practitioner. "
            "Choose other times, or end those hours first.") % {
            "weekday": other.get_weekday_display(), "start": other.start_time.strftime("%H:%M"),
            "end": other.end_time.strftime("%H:%M"), "from": other.valid_from.strftime("%d.%m.%Y")}})


def end_weekly_hours(user, hours_id, valid_until) -> WeeklyAvailability:
    """Stop recurring hours after a date (booked appointments stay as they are)."""
    require(user, "schedule.manage")
    hours = get_object_or_404(WeeklyAvailability.objects, pk=as_id(hours_id))
    valid_until = calendar_date(valid_until, "valid_until")
    if valid_until < hours.valid_from:
        with transaction.atomic():
            record(Action.DELETE, object_type="availability", object_id=hours.pk)
            hours.delete()
        return hours
    hours.valid_until = valid_until
    with transaction.atomic():
        hours.save(update_fields=["valid_until"])
        record(Action.UPDATE, object_type="availability", object_id=hours.pk, reason=f"ends {valid_until}")
    return hours


def add_exception(user, *, practitioner, kind, starts_at, ends_at, slot_minutes=None, room=None, visit_types=(),
                  note="") -> AvailabilityException:
    """Leave (no slots in that time) or extra hours (slots of the given visit types, or of all)."""
    require(user, "schedule.manage")
    practitioner = clinic_practitioner(practitioner)
    if kind not in AvailabilityException.Kind.values:
        raise ValidationError({"kind": _("Choose leave or extra hours.")})
    starts_at, ends_at = parse_moment(starts_at), _moment(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    slot = whole_number_in(slot_minutes, "slot_minutes", SLOT_MINUTES) if slot_minutes not in (None, "") else None
    types = _visit_types(visit_types, required=False)
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("The note may have at most %(max)d characters.") % {"max": 200}})
    exception = AvailabilityException(practitioner=practitioner, kind=kind, starts_at=starts_at, ends_at=ends_at,
                                      slot_minutes=slot, room=_room(room), note=note)
    with transaction.atomic():
        exception.save()
        exception.visit_types.set(types)
        record(Action.CREATE, object_type="availability-exception", object_id=exception.pk, reason=kind)
    return exception


def remove_exception(user, exception_id):
    require(user, "schedule.manage")
    exception = get_object_or_404(AvailabilityException.objects, pk=as_id(exception_id))
    with transaction.atomic():
        record(Action.DELETE, object_type="availability-exception", object_id=exception.pk)
        exception.delete()


def update_settings(user, *, reminder_days_ahead, planning_horizon_days, address=None,
                    cancel_info=None) -> SchedulingSettings:
    """address / cancel_info: what the visit confirmation prints (None leaves them as they are)."""
    require(user, "schedule.manage")
    reminders = whole_number_in(reminder_days_ahead, "reminder_days_ahead", (1, 5))
    horizon = whole_number_in(planning_horizon_days, "planning_horizon_days", HORIZON_DAYS)
    with transaction.atomic():
        row = SchedulingSettings.objects.select_for_update().first() or SchedulingSettings()
        row.reminder_days_ahead, row.planning_horizon_days = reminders, horizon
        if address is not None:
            row.address = _optional_text(address, "address", 200)
        if cancel_info is not None:
            row.cancel_info = _optional_text(cancel_info, "cancel_info", 300)
        row.save()
        record(Action.UPDATE, object_type="scheduling-settings", object_id=row.pk)
    return row


def _save_new(obj, object_type, duplicate_error):
    try:
        with transaction.atomic():
            obj.save()
            record(Action.CREATE, object_type=object_type, object_id=obj.pk)
    except IntegrityError:
        raise ValidationError(duplicate_error) from None
    return obj


def _optional_text(value, field, max_length) -> str:
    text = str(value).strip()
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(max)d characters.") % {"max": max_length}})
    return text


def _required_text(value, field, max_length) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(max)d characters.") % {"max": max_length}})
    return value


def whole_number_in(value, field, bounds) -> int:
    low, high = bounds
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise ValidationError({field: _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}})
    return number


def time_of_day(value, field) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    try:
        return datetime.time.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("Enter a time, e.g. 08:30.")}) from None


def _moment(value, field):
    try:
        return parse_moment(value)
    except ValidationError as exc:
        if outside_calendar(exc):
            raise ValidationError({field: [date_range_message()]}) from None
        raise ValidationError({field: _("Give a date and time, e.g. 2026-03-02T09:30.")}) from None


def _visit_types(values, required=True) -> list[VisitType]:
    ids = [as_id(getattr(v, "pk", v)) for v in (values or [])]
    found = list(VisitType.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)) or (required and not found):
        raise ValidationError({"visit_types": _("Choose the visit types offered in these hours.")})
    return found


def _room(value):
    if value in (None, ""):
        return None
    room = Room.objects.filter(pk=as_id(getattr(value, "pk", value))).first()
    if room is None:
        raise ValidationError({"room": _("Choose a room of this clinic.")})
    return room


# ---- changes over booked visits ---------------------------------------------------------------
# A leave, the end of weekly hours or the removal of extra hours can leave booked visits outside
# the practitioner's time. None is saved silently over them: the pages list the visits first
# (`visits_affected`), and the change is saved together with what the desk decided for each
# one (`apply_change`): moved to a free slot (services.reschedule), cancelled with a notice to
# the patient, or kept and listed for the desk as outside hours (Appointment.outside_hours).
# Slots held for waitlist offers in the way are released (the patient stays on the waitlist).

LEAVE, END_HOURS, REMOVE_EXCEPTION = "leave", "end-hours", "remove-exception"
MOVE_OPTIONS = 12
MOVE_WINDOW_DAYS = 28
NOTICE_PURPOSE = "visit-cancelled"


@dataclass(frozen=True)
class Change:
    """A change of one practitioner's time, not saved yet: a leave (starts_at, ends_at), the end of weekly
    hours (hours_id, valid_until) or the removal of an exception (exception_id)."""

    kind: str
    practitioner_id: int
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    hours_id: int | None = None
    valid_until: datetime.date | None = None
    exception_id: int | None = None


@dataclass
class Decision:
    action: str  # move | cancel | keep
    practitioner_id: int | None = None
    starts_at: datetime.datetime | None = None


@dataclass
class Outcome:
    appointment: Appointment
    action: str
    moved_to: Appointment | None = None
    notice: str = ""  # sent | failed | not-sent (no consent or no contact) | "" (no notice due)


def leave_change(practitioner, starts_at, ends_at) -> Change:
    return Change(LEAVE, practitioner.pk, starts_at=starts_at, ends_at=ends_at)


def end_hours_change(hours_id, valid_until) -> Change:
    hours = get_object_or_404(WeeklyAvailability.objects, pk=as_id(hours_id))
    return Change(END_HOURS, hours.practitioner_id, hours_id=hours.pk,
                  valid_until=calendar_date(valid_until, "valid_until"))


def remove_exception_change(exception_id) -> Change:
    exception = get_object_or_404(AvailabilityException.objects, pk=as_id(exception_id))
    return Change(REMOVE_EXCEPTION, exception.practitioner_id, exception_id=exception.pk)


def visits_affected(user, change: Change, *, with_holds=False) -> list[Appointment]:
    """Booked future visits that the change would leave outside the practitioner's time, oldest first."""
    require(user, "schedule.manage")
    now = timezone.now()
    statuses = [AppointmentStatus.BOOKED] + ([AppointmentStatus.HELD] if with_holds else [])
    visits = (Appointment.objects.filter(practitioner_id=change.practitioner_id, status__in=statuses,
                                         starts_at__gt=now)
              .select_related("patient", "practitioner__staff", "visit_type", "room").defer("patient__details"))
    if change.kind == LEAVE:
        return list(visits.filter(starts_at__lt=change.ends_at, ends_at__gt=change.starts_at).order_by("starts_at"))
    if change.kind == END_HOURS:
        hours = WeeklyAvailability.objects.get(pk=change.hours_id)
        first = max(change.valid_until, hours.valid_from - datetime.timedelta(days=1)) + datetime.timedelta(days=1)
        visits = visits.filter(starts_at__gte=local_midnight(first))
        if hours.valid_until is not None:
            visits = visits.filter(starts_at__lt=local_midnight(hours.valid_until + datetime.timedelta(days=1)))
        candidates = [v for v in visits.order_by("starts_at") if local_date(v.starts_at).weekday() == hours.weekday]
    else:
        exception = AvailabilityException.objects.get(pk=change.exception_id)
        if exception.kind != AvailabilityException.Kind.EXTRA:
            return []  # ending a leave frees time; it takes none away
        candidates = list(visits.filter(starts_at__lt=exception.ends_at, ends_at__gt=exception.starts_at)
                          .order_by("starts_at"))
    return [v for v in candidates if not _inside_hours(v, change)]


def _inside_hours(visit, change: Change) -> bool:
    """Whether the visit would still lie within the practitioner's weekly or extra hours after the change."""
    day = local_date(visit.starts_at)
    start, end = visit.starts_at.astimezone(ZONE), visit.ends_at.astimezone(ZONE)
    for hours in WeeklyAvailability.objects.filter(practitioner_id=visit.practitioner_id, weekday=day.weekday(),
                                                   valid_from__lte=day):
        until = hours.valid_until
        if change.kind == END_HOURS and hours.pk == change.hours_id:
            until = change.valid_until
        if until is not None and until < day:
            continue
        if end.date() == day and hours.start_time <= start.time() and end.time() <= hours.end_time:
            return True
    extras = AvailabilityException.objects.filter(practitioner_id=visit.practitioner_id,
                                                  kind=AvailabilityException.Kind.EXTRA,
                                                  starts_at__lte=visit.starts_at, ends_at__gte=visit.ends_at)
    if change.kind == REMOVE_EXCEPTION:
        extras = extras.exclude(pk=change.exception_id)
    return extras.exists()


def move_options(user, visit, change: Change, limit=MOVE_OPTIONS) -> list:
    """Free slots the visit could move to: its practitioner's or a colleague's of the same specialty, same
    visit type, within four weeks of the visit; none that the change itself takes away."""
    require(user, "schedule.book")
    today = local_date(timezone.now())
    first = max(today, local_date(visit.starts_at) - datetime.timedelta(days=7))
    last = first + datetime.timedelta(days=MOVE_WINDOW_DAYS)
    slots = {(s.practitioner_id, s.starts_at): s for s in find_free_slots(
        visit_type=visit.visit_type, practitioner=visit.practitioner_id, date_from=first, date_to=last)}
    for specialty in visit.practitioner.specialties.all():
        for s in find_free_slots(visit_type=visit.visit_type, specialty=specialty, date_from=first, date_to=last):
            slots.setdefault((s.practitioner_id, s.starts_at), s)
    taken_away = [s for s in slots.values() if s.practitioner_id == change.practitioner_id]
    lost = {(s.practitioner_id, s.starts_at) for s in taken_away if _lost_to(s, change)}
    options = sorted((s for key, s in slots.items() if key not in lost),
                     key=lambda s: (s.practitioner_id != visit.practitioner_id, s.starts_at))
    return sorted(options[:limit], key=lambda s: s.starts_at)


def _lost_to(slot, change: Change) -> bool:
    if change.kind == LEAVE:
        return slot.starts_at < change.ends_at and change.starts_at < slot.ends_at
    probe = Appointment(practitioner_id=slot.practitioner_id, starts_at=slot.starts_at, ends_at=slot.ends_at)
    if change.kind == END_HOURS:
        hours = WeeklyAvailability.objects.get(pk=change.hours_id)
        if local_date(slot.starts_at) <= change.valid_until or local_date(slot.starts_at).weekday() != hours.weekday:
            return False
    return not _inside_hours(probe, change)


def apply_change(user, change: Change, decisions: dict[int, Decision], *, save) -> list[Outcome]:
    """Save the change (`save()`, e.g. add_exception) and carry out the desk's decision for every visit it
    affects, in one transaction; then tell the patients of cancelled visits (content-free SMS/e-mail)."""
    require(user, "schedule.manage")
    cancelled_reason = _("The practitioner is not available at this time.")
    outcomes = []
    with transaction.atomic():
        Practitioner.objects.select_for_update().filter(pk=change.practitioner_id).exists()
        affected = visits_affected(user, change, with_holds=True)
        holds = [v for v in affected if v.status == AppointmentStatus.HELD]
        visits = [v for v in affected if v.status == AppointmentStatus.BOOKED]
        undecided = [v for v in visits if v.pk not in decisions]
        if undecided:
            raise ValidationError(_("Decide for every visit listed: move it, cancel it or keep it. "
                                    "(A visit may have been booked in the meantime.)"), code="undecided")
        targets = [(d.practitioner_id, d.starts_at) for v in visits if (d := decisions[v.pk]).action == "move"]
        if len(targets) != len(set(targets)):
            raise ValidationError(_("Two visits cannot move to the same time. Choose another slot for one of "
                                    "them."), code="same-slot")
        save()
        for hold in holds:
            release_hold_of(hold, "the practitioner's time changed")
        for visit in visits:
            decision = decisions[visit.pk]
            if decision.action == "move":
                if decision.starts_at is None:
                    raise ValidationError(_("Choose the time to move the visit to."), code="no-slot")
                try:
                    new = reschedule(user, visit.pk, starts_at=decision.starts_at,
                                     practitioner=decision.practitioner_id)
                except SlotTaken:
                    raise SlotTaken(_("A chosen time has just been booked by someone else. Choose again.")) \
                        from None
                outcomes.append(Outcome(visit, "move", moved_to=new))
            elif decision.action == "cancel":
                outcomes.append(Outcome(cancel_appointment(user, visit.pk, cancelled_reason), "cancel"))
            elif decision.action == "keep":
                Appointment.objects.filter(pk=visit.pk).update(outside_hours=True, updated_at=timezone.now())
                record(Action.UPDATE, object_type="appointment", object_id=visit.pk,
                       subject_ref=visit.patient.subject_ref, reason="kept outside the practitioner's hours")
                outcomes.append(Outcome(visit, "keep"))
            else:
                raise ValidationError(_("Choose move, cancel or keep."), code="unknown")
    for outcome in outcomes:
        if outcome.action == "cancel":
            outcome.notice = send_cancellation_notice(outcome.appointment)
    return outcomes


def send_cancellation_notice(appointment) -> str:
    """Tell the patient that the visit is cancelled, by their preferred channel if they consented to it.

    The text says the clinic, the date and the time, nothing else (no doctor, specialty or reason)."""
    patient = appointment.patient
    channel, contact, why_not = channel_and_contact(patient)
    if not channel:
        record(Action.UPDATE, object_type="appointment", object_id=appointment.pk, subject_ref=patient.subject_ref,
               reason=f"cancellation notice not sent: {why_not}")
        return "not-sent"
    clinic = Clinic.objects.get(pk=appointment.clinic_id)
    local = timezone.localtime(appointment.starts_at)
    context = {"clinic": clinic.name, "date": format_date(local, "d.m"), "time": format_date(local, "H:i")}
    reference = f"{NOTICE_PURPOSE}:{appointment.pk}"
    if channel == ContactChannel.SMS:
        message = send_sms(clinic, patient.subject_ref, NOTICE_PURPOSE, contact,
                           texts.render("visit_cancelled_sms", context), reference=reference)
    else:
        message = send_email(clinic, patient.subject_ref, NOTICE_PURPOSE, contact,
                             texts.render("visit_cancelled_email", context),
                             subject=texts.render("visit_cancelled_email_subject", context), reference=reference)
    return "sent" if message.status == OutboundMessage.Status.SENT else "failed"


def notice_status(appointment) -> str:
    """What the notify layer recorded of the appointment's cancellation notice: sent | failed | queued | ""."""
    message = (OutboundMessage.objects.filter(reference=f"{NOTICE_PURPOSE}:{appointment.pk}")
               .order_by("-pk").values_list("status", flat=True).first())
    return message or ""


def visits_kept_outside_hours(user, practitioner=None) -> list[Appointment]:
    """Future visits the desk chose to keep outside their practitioner's hours (each shown row is an access)."""
    require(user, "schedule.view")
    visits = (Appointment.objects.filter(outside_hours=True, status=AppointmentStatus.BOOKED,
                                         ends_at__gt=timezone.now())
              .select_related("patient", "practitioner__staff", "visit_type", "room").defer("patient__details"))
    if practitioner is not None:
        visits = visits.filter(practitioner_id=getattr(practitioner, "pk", practitioner))
    visits = list(visits.order_by("starts_at")[:200])
    for v in visits:
        record(Action.READ, object_type="appointment", object_id=v.pk, subject_ref=v.patient.subject_ref)
    return visits


def read_outcomes(user, appointment_ids) -> list[Appointment]:
    """The appointments a change just handled, as they stand now, with `notice` (the notify layer's status of
    a cancellation notice) and `moved_to` (the appointment a moved one became)."""
    require(user, "schedule.view")
    ids = [as_id(i) for i in appointment_ids][:200]
    visits = list(Appointment.objects.filter(pk__in=ids).select_related(
        "patient", "practitioner__staff", "visit_type").defer("patient__details").order_by("starts_at"))
    moved = {a.rescheduled_from_id: a for a in Appointment.objects.filter(rescheduled_from_id__in=ids)
             .select_related("practitioner__staff")}
    for v in visits:
        v.notice = notice_status(v) if v.status == AppointmentStatus.CANCELLED else ""
        v.moved_to = moved.get(v.pk)
        record(Action.READ, object_type="appointment", object_id=v.pk, subject_ref=v.patient.subject_ref)
    return visits
