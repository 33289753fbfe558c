"""Setting up schedules (clinic admin, schedule.manage): rooms, visit types, weekly hours, leave and extra hours."""
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.inputs import calendar_date, date_range_message, outside_calendar
from klinika.scheduling.models import (
    AvailabilityException,
    Room,
    SchedulingSettings,
    VisitType,
    WeeklyAvailability,
)
from klinika.scheduling.services import as_id, clinic_practitioner, parse_moment
from klinika.staff.models import Practitioner

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


def update_settings(user, *, reminder_days_ahead, planning_horizon_days) -> SchedulingSettings:
    require(user, "schedule.manage")
    reminders = whole_number_in(reminder_days_ahead, "reminder_days_ahead", (1, 5))
    horizon = whole_number_in(planning_horizon_days, "planning_horizon_days", HORIZON_DAYS)
    with transaction.atomic():
        row = SchedulingSettings.objects.select_for_update().first() or SchedulingSettings()
        row.reminder_days_ahead, row.planning_horizon_days = reminders, horizon
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
