"""Bookable slots, computed (never stored): weekly hours + extra hours − leave − appointments.

Wall-clock hours are the clinic's (Europe/Warsaw): "Mondays 8:00-12:00" means 8:00 local
on both sides of a DST change, so every date's times are converted on their own. Local
times that do not exist (the hour skipped in spring) give no slot; in the repeated autumn
hour the first occurrence counts. A visit longer than the slot length takes that many
consecutive slots, which must follow each other without a gap in real time.

Everything a search needs is loaded in a handful of queries up front (templates,
exceptions, appointments of all the practitioners in the window), so the cost grows
with the number of slots, not with queries per slot.
"""
import bisect
import datetime
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from klinika.scheduling.models import (
    TIME_HOLDING,
    Appointment,
    AvailabilityException,
    SchedulingSettings,
    WeeklyAvailability,
)
from klinika.staff.models import Practitioner

ZONE = ZoneInfo(settings.TIME_ZONE)
UTC = datetime.timezone.utc
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    practitioner_id: int
    room_id: int | None

    @property
    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(ZONE)

    @property
    def local_end(self) -> datetime.datetime:
        return self.ends_at.astimezone(ZONE)


@dataclass
class _Block:
    """Consecutive slot starts of one practitioner: one template on one date, or one extra exception."""

    starts: list[datetime.datetime]
    step: datetime.timedelta
    room_id: int | None


def clinic_settings() -> SchedulingSettings:
    """The clinic's settings row, or the defaults when the clinic never changed them."""
    return SchedulingSettings.objects.first() or SchedulingSettings()


def local_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(ZONE).date()


def local_midnight(day: datetime.date) -> datetime.datetime:
    return wall_time(day, datetime.time(0, 0))


def wall_time(day: datetime.date, at: datetime.time) -> datetime.datetime | None:
    """The aware moment a local wall-clock time stands for; None if the clock skipped it."""
    naive = datetime.datetime.combine(day, at)
    aware = naive.replace(tzinfo=ZONE, fold=0)
    if aware.astimezone(datetime.timezone.utc).astimezone(ZONE).replace(tzinfo=None) != naive:
        return None
    return aware


def booking_window(date_from, date_to, now=None, horizon_days=None):
    """The part of [date_from, date_to] that may be booked now: from today to the planning horizon."""
    now = now or timezone.now()
    today = local_date(now)
    if horizon_days is None:
        horizon_days = clinic_settings().planning_horizon_days
    return max(date_from, today), min(date_to, today + datetime.timedelta(days=horizon_days))


def find_free_slots(*, visit_type, specialty=None, practitioner=None, date_from, date_to, now=None,
                    include_taken=False) -> list[Slot]:
    """Free slots for a visit type, for one practitioner or every practitioner of a specialty (or all).

    include_taken: ignore appointments (tells "taken" apart from "never offered").
    """
    now = now or timezone.now()
    first, last = booking_window(date_from, date_to, now)
    if first > last:
        return []
    practitioners = Practitioner.objects.filter(is_active=True)
    if practitioner is not None:
        practitioners = practitioners.filter(pk=getattr(practitioner, "pk", practitioner))
    if specialty is not None:
        practitioners = practitioners.filter(specialties__code=getattr(specialty, "code", specialty))
    ids = list(practitioners.values_list("pk", flat=True).distinct())
    if not ids:
        return []
    start, end = local_midnight(first), local_midnight(last + ONE_DAY)
    duration = datetime.timedelta(minutes=visit_type.duration_minutes)
    blocks = _blocks(ids, visit_type, first, last, start, end)
    leave = _intervals(AvailabilityException.objects.filter(
        practitioner_id__in=ids, kind=AvailabilityException.Kind.UNAVAILABLE, starts_at__lt=end, ends_at__gt=start))
    busy = {} if include_taken else _intervals(Appointment.objects.filter(
        practitioner_id__in=ids, status__in=TIME_HOLDING, starts_at__lt=end, ends_at__gt=start))
    found: dict[tuple[int, datetime.datetime], Slot] = {}
    for pid, practitioner_blocks in blocks.items():
        for block in practitioner_blocks:
            for begin in _starts_fitting(block, duration):
                finish = begin + duration
                if begin <= now or not first <= local_date(begin) <= last or (pid, begin) in found:
                    continue
                if _overlaps_any(leave.get(pid), begin, finish) or _overlaps_sorted(busy.get(pid), begin, finish):
                    continue
                found[(pid, begin)] = Slot(begin, finish, pid, block.room_id)
    return sorted(found.values(), key=lambda s: (s.starts_at, s.practitioner_id))


def offered_slot(*, practitioner, visit_type, starts_at, now=None, include_taken=False) -> Slot | None:
    """The slot starting at `starts_at`, if it is offered (and free, unless include_taken)."""
    day = local_date(starts_at)
    for slot in find_free_slots(visit_type=visit_type, practitioner=practitioner, date_from=day, date_to=day,
                                now=now, include_taken=include_taken):
        if slot.starts_at == starts_at:
            return slot
    return None


def working_hours(practitioner_id, date_from, date_to) -> dict[datetime.date, list[tuple]]:
    """(start, end, kind) per local date, for showing a calendar: weekly hours, extra hours, leave."""
    start, end = local_midnight(date_from), local_midnight(date_to + ONE_DAY)
    hours: dict[datetime.date, list[tuple]] = {}
    day = date_from
    templates = list(_templates([practitioner_id], None, date_from, date_to))
    while day <= date_to:
        for t in templates:
            if _applies(t, day):
                begin, finish = wall_time(day, t.start_time), wall_time(day, t.end_time)
                if begin and finish:
                    hours.setdefault(day, []).append((begin, finish, "weekly"))
        day += ONE_DAY
    exceptions = AvailabilityException.objects.filter(practitioner_id=practitioner_id, starts_at__lt=end,
                                                      ends_at__gt=start)
    for e in exceptions:
        hours.setdefault(local_date(e.starts_at), []).append((e.starts_at, e.ends_at, e.kind))
    for items in hours.values():
        items.sort(key=lambda item: item[0])
    return hours


def _templates(ids, visit_type, first, last):
    qs = WeeklyAvailability.objects.filter(practitioner_id__in=ids, valid_from__lte=last).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=first))
    if visit_type is not None:
        qs = qs.filter(visit_types=visit_type)
    return qs.order_by("practitioner_id", "weekday", "start_time", "pk")


def _applies(template, day) -> bool:
    return (day.weekday() == template.weekday and template.valid_from <= day
            and (template.valid_until is None or day <= template.valid_until))


def _blocks(ids, visit_type, first, last, start, end) -> dict[int, list[_Block]]:
    blocks: dict[int, list[_Block]] = {}
    templates = list(_templates(ids, visit_type, first, last))
    day = first
    while day <= last:
        for t in templates:
            if _applies(t, day):
                blocks.setdefault(t.practitioner_id, []).append(_weekly_block(t, day))
        day += ONE_DAY
    extras = AvailabilityException.objects.filter(
        practitioner_id__in=ids, kind=AvailabilityException.Kind.EXTRA, starts_at__lt=end, ends_at__gt=start)
    extras = list(extras.filter(Q(visit_types=visit_type) | Q(visit_types__isnull=True)).distinct())
    for e in extras:
        step = datetime.timedelta(minutes=e.slot_minutes or visit_type.duration_minutes)
        starts, begin = [], e.starts_at
        while begin + step <= e.ends_at:
            starts.append(begin)
            begin += step
        blocks.setdefault(e.practitioner_id, []).append(_Block(starts, step, e.room_id))
    return blocks


def _weekly_block(template, day) -> _Block:
    step = datetime.timedelta(minutes=template.slot_minutes)
    starts, wall = [], datetime.datetime.combine(day, template.start_time)
    closing = datetime.datetime.combine(day, template.end_time)
    while wall + step <= closing:
        aware = wall_time(day, wall.time())
        if aware is not None:
            # in UTC: arithmetic on datetimes sharing a ZoneInfo is wall-clock arithmetic, blind to DST
            starts.append(aware.astimezone(UTC))
        wall += step
    return _Block(starts, step, template.room_id)


def _starts_fitting(block: _Block, duration: datetime.timedelta):
    """Starts from which `duration` fits into consecutive slots of the block with no gap in real time."""
    if not block.step:
        return
    needed = max(1, math.ceil(duration / block.step))
    starts = block.starts
    for i in range(len(starts) - needed + 1):
        if starts[i + needed - 1] - starts[i] == (needed - 1) * block.step:
            yield starts[i]


def _intervals(queryset) -> dict[int, tuple[list, list]]:
    """(starts, ends) per practitioner, sorted by start."""
    out: dict[int, tuple[list, list]] = {}
    for pid, begin, finish in queryset.order_by("starts_at").values_list("practitioner_id", "starts_at", "ends_at"):
        starts, ends = out.setdefault(pid, ([], []))
        starts.append(begin)
        ends.append(finish)
    return out


def _overlaps_any(intervals, begin, finish) -> bool:
    if not intervals:
        return False
    return any(s < finish and begin < e for s, e in zip(*intervals, strict=True))


def _overlaps_sorted(intervals, begin, finish) -> bool:
    """Appointments never overlap each other, so sorted by start they are sorted by end too."""
    if not intervals:
        return False
    starts, ends = intervals
    i = bisect.bisect_left(starts, finish)
    return i > 0 and ends[i - 1] > begin
