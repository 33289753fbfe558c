"""Bookable slots, computed (never stored): weekly hours + extra hours − leave − appointments.

Wall-clock hours are the clinic's (Europe/Warsaw): "Mondays 8:00-12:00" means 8:00 local
on both sides of a DST change, so every date's times are converted on their own: with the
day's one UTC offset when the clock does not change that day, time by time on the two days
a year when it does. Local times that do not exist (the hour skipped in spring) give no
slot; in the repeated autumn hour the first occurrence counts. A visit longer than the slot length takes that many
consecutive slots, which must follow each other without a gap in real time.

Everything a search needs is loaded in a handful of queries up front (templates,
exceptions, appointments of all the practitioners in the window), so the cost grows
with the number of slots, not with queries per slot. Appointments are read by time range
through the GiST index of the no-overlap constraint on PostgreSQL: a btree on starts_at can
bound only one side of "overlaps the window", which reads a practitioner's whole history.
One slot (`offered_slot`, what booking checks) reads only the hours, exceptions and
appointments that could touch that one time.
"""
import bisect
import datetime
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from klinika.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    SchedulingSettings,
    WeeklyAvailability,
)
from klinika.staff.models import Practitioner
from klinika.tenancy.context import current_clinic_id, require_clinic_id

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
    # The local date every start falls on (weekly hours); None when each start's date must be checked.
    day: datetime.date | None = None


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
    exceptions = _exceptions(ids, start, end)
    blocks = _blocks(ids, visit_type, first, last, exceptions)
    leave = _leave_intervals(exceptions)
    busy = {} if include_taken else _intervals(_overlapping(_holding(ids), start, end))
    found: dict[tuple[int, datetime.datetime], Slot] = {}
    for pid, practitioner_blocks in blocks.items():
        off, taken = leave.get(pid), busy.get(pid)
        for block in practitioner_blocks:
            room_id = block.room_id
            for begin in _starts_fitting(block, duration):
                if begin <= now or (pid, begin) in found:
                    continue
                if block.day is None and not first <= local_date(begin) <= last:
                    continue
                finish = begin + duration
                if (off and _overlaps_any(off, begin, finish)) or (taken and _overlaps_sorted(taken, begin, finish)):
                    continue
                found[(pid, begin)] = Slot(begin, finish, pid, room_id)
    return sorted(found.values(), key=lambda s: (s.starts_at, s.practitioner_id))


def offered_slot(*, practitioner, visit_type, starts_at, now=None, include_taken=False,
                 horizon_days=None) -> Slot | None:
    """The slot starting at `starts_at`, if it is offered (and free, unless include_taken).

    The same answer as looking for it among find_free_slots of that day, from the few rows that
    can touch this one time: the day's weekly hours of this weekday, the exceptions overlapping the
    visit, the appointments overlapping it (unless include_taken).
    """
    now = now or timezone.now()
    starts_at = starts_at.astimezone(UTC)  # as the slots are laid out: equal instants compare equal
    if starts_at <= now:
        return None
    day = local_date(starts_at)
    first, last = booking_window(day, day, now, horizon_days)
    if first > last:
        return None
    if isinstance(practitioner, Practitioner):
        if not practitioner.is_active or practitioner.clinic_id != current_clinic_id():
            return None
        pid = practitioner.pk
    else:
        pid = practitioner
        if not Practitioner.objects.filter(pk=pid, is_active=True).exists():
            return None
    duration = datetime.timedelta(minutes=visit_type.duration_minutes)
    finish = starts_at + duration
    slot = None
    offset = _day_offset(day)
    templates, exceptions = _rows_at(pid, visit_type, day, starts_at, finish)
    for template in templates:
        if starts_at in _starts_fitting(_weekly_block(template, day, offset), duration):
            slot = Slot(starts_at, finish, pid, template.room_id)
            break
    if slot is None:
        for block in _extra_blocks(exceptions, visit_type):
            if starts_at in _starts_fitting(block, duration):
                slot = Slot(starts_at, finish, pid, block.room_id)
                break
    if slot is None or _overlaps_any(_leave_intervals(exceptions).get(pid), starts_at, finish):
        return None
    if not include_taken and _overlapping(_holding([pid]), starts_at, finish).exists():
        return None
    return slot


@dataclass(frozen=True)
class _Hours:
    start_time: datetime.time
    end_time: datetime.time
    slot_minutes: int
    room_id: int | None


def _rows_at(pid, visit_type, day, start, end):
    """What offered_slot reads, in one statement written once: the weekday's weekly hours offering
    this visit type (as _templates, in its order) and the exceptions overlapping [start, end) (as
    _exceptions). A booking runs this, and building two ORM queries cost more CPU than answering them."""
    connection = connections[WeeklyAvailability.objects.db]
    ops = connection.ops
    clinic = WeeklyAvailability._meta.get_field("clinic").target_field.get_db_prep_value(
        require_clinic_id(), connection)  # refused without a clinic, as the scoped manager would
    date, at = ops.adapt_datefield_value(day), ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_rows_at_sql(connection.vendor), [
            clinic, pid, date, date, day.weekday(), visit_type.pk,
            clinic, pid, at(end), at(start)])
        rows = cursor.fetchall()
    templates, exceptions = [], []
    for tag, pk, start_time, end_time, begins, ends, slot_minutes, room_id, kind in rows:
        if tag == 0:
            templates.append(_Hours(_as_time(start_time), _as_time(end_time), slot_minutes, room_id))
        else:
            exceptions.append({"pk": pk, "practitioner_id": pid, "kind": kind, "starts_at": _as_moment(begins, ops),
                               "ends_at": _as_moment(ends, ops), "slot_minutes": slot_minutes, "room_id": room_id})
    return templates, exceptions


def _as_time(value):
    return datetime.time.fromisoformat(value) if isinstance(value, str) else value


def _as_moment(value, ops):
    return ops.convert_datetimefield_value(value, None, ops.connection) if isinstance(value, str) else value


_ROWS_AT_SQL: dict[str, str] = {}


def _rows_at_sql(vendor: str) -> str:
    if vendor not in _ROWS_AT_SQL:
        w, e = WeeklyAvailability._meta.db_table, AvailabilityException._meta.db_table
        through = WeeklyAvailability.visit_types.through._meta.db_table
        _ROWS_AT_SQL[vendor] = f"""SELECT 0, w."id", w."start_time", w."end_time", NULL, NULL, w."slot_minutes",
                   w."room_id", NULL
            FROM "{w}" w JOIN "{through}" t ON t."weeklyavailability_id" = w."id"
            WHERE w."clinic_id" = %s AND w."practitioner_id" = %s AND w."valid_from" <= %s
              AND (w."valid_until" IS NULL OR w."valid_until" >= %s) AND w."weekday" = %s AND t."visittype_id" = %s
            UNION ALL
            SELECT 1, e."id", NULL, NULL, e."starts_at", e."ends_at", e."slot_minutes", e."room_id", e."kind"
            FROM "{e}" e
            WHERE e."clinic_id" = %s AND e."practitioner_id" = %s AND e."starts_at" < %s AND e."ends_at" > %s
            ORDER BY 1, 3, 5, 2"""
    return _ROWS_AT_SQL[vendor]


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


def _blocks(ids, visit_type, first, last, exceptions) -> dict[int, list[_Block]]:
    blocks: dict[int, list[_Block]] = {}
    by_weekday: dict[int, list] = {}
    for t in _templates(ids, visit_type, first, last):
        by_weekday.setdefault(t.weekday, []).append(t)
    day = first
    while day <= last:
        offset = _day_offset(day)
        for t in by_weekday.get(day.weekday(), ()):
            if _applies(t, day):
                blocks.setdefault(t.practitioner_id, []).append(_weekly_block(t, day, offset))
        day += ONE_DAY
    for pid, block in _extra_blocks(exceptions, visit_type, with_practitioner=True):
        blocks.setdefault(pid, []).append(block)
    return blocks


def _exceptions(ids, start, end) -> list[dict]:
    """Leave and extra hours of these practitioners overlapping [start, end), in one query."""
    return list(AvailabilityException.objects.filter(practitioner_id__in=ids, starts_at__lt=end, ends_at__gt=start)
                .order_by("starts_at", "pk")
                .values("pk", "practitioner_id", "kind", "starts_at", "ends_at", "slot_minutes", "room_id"))


def _extra_blocks(exceptions, visit_type, *, with_practitioner=False):
    """The extra hours among `exceptions` that offer this visit type (all types when none is named)."""
    extras = [e for e in exceptions if e["kind"] == AvailabilityException.Kind.EXTRA]
    if not extras:
        return
    through = AvailabilityException.visit_types.through
    limited: dict[int, set] = {}
    for exception_id, type_id in through.objects.filter(
            availabilityexception_id__in=[e["pk"] for e in extras]).values_list(
            "availabilityexception_id", "visittype_id"):
        limited.setdefault(exception_id, set()).add(type_id)
    for e in extras:
        if e["pk"] in limited and visit_type.pk not in limited[e["pk"]]:
            continue
        step = datetime.timedelta(minutes=e["slot_minutes"] or visit_type.duration_minutes)
        starts, begin = [], e["starts_at"]
        while begin + step <= e["ends_at"]:
            starts.append(begin)
            begin += step
        block = _Block(starts, step, e["room_id"])
        yield (e["practitioner_id"], block) if with_practitioner else block


def _leave_intervals(exceptions) -> dict[int, tuple[list, list]]:
    out: dict[int, tuple[list, list]] = {}
    for e in exceptions:
        if e["kind"] == AvailabilityException.Kind.UNAVAILABLE:
            starts, ends = out.setdefault(e["practitioner_id"], ([], []))
            starts.append(e["starts_at"])
            ends.append(e["ends_at"])
    return out


def _day_offset(day: datetime.date) -> datetime.timedelta | None:
    """The date's one UTC offset, or None when the clock changes during it (then each time is
    converted on its own)."""
    begin = datetime.datetime.combine(day, datetime.time(0, 0), ZONE).utcoffset()
    end = datetime.datetime.combine(day + ONE_DAY, datetime.time(0, 0), ZONE).utcoffset()
    return begin if begin == end else None


def _weekly_block(template, day, offset=None) -> _Block:
    step = datetime.timedelta(minutes=template.slot_minutes)
    wall = datetime.datetime.combine(day, template.start_time)
    closing = datetime.datetime.combine(day, template.end_time)
    if offset is not None:
        count = (closing - wall) // step if step else 0
        first = (wall - offset).replace(tzinfo=UTC)
        return _Block([first + k * step for k in range(count)], step, template.room_id, day)
    starts = []
    while wall + step <= closing:
        aware = wall_time(day, wall.time())
        if aware is not None:
            # in UTC: arithmetic on datetimes sharing a ZoneInfo is wall-clock arithmetic, blind to DST
            starts.append(aware.astimezone(UTC))
        wall += step
    return _Block(starts, step, template.room_id, day)


def _starts_fitting(block: _Block, duration: datetime.timedelta) -> list[datetime.datetime]:
    """Starts from which `duration` fits into consecutive slots of the block with no gap in real time."""
    if not block.step:
        return []
    needed = max(1, math.ceil(duration / block.step))
    starts = block.starts
    if needed == 1:
        return starts
    span = (needed - 1) * block.step
    return [starts[i] for i in range(len(starts) - needed + 1) if starts[i + needed - 1] - starts[i] == span]


def _holding(ids):
    """Appointments that hold their practitioner's time: every status but cancelled (as the no-overlap
    constraint says), so a status added later (a waitlist hold) is busy too."""
    return Appointment.objects.filter(practitioner_id__in=ids).exclude(status=AppointmentStatus.CANCELLED)


def _overlapping(queryset, start, end):
    """Rows whose [starts_at, ends_at) overlaps [start, end).

    On PostgreSQL written as the no-overlap constraint's own expression, so its GiST index
    (practitioner, time range; not cancelled) finds them: with starts_at < end AND ends_at > start,
    a btree can bound only starts_at and reads the practitioners' whole history (bench/RESULTS.md,
    issue 3). SQLite answers the same predicates from the (practitioner, ends_at) index.
    """
    if connections[queryset.db].vendor == "postgresql":
        table = queryset.model._meta.db_table
        return queryset.filter(RawSQL(
            f"""tstzrange("{table}"."starts_at", "{table}"."ends_at", '[)') && tstzrange(%s, %s, '[)')""",
            (start, end), output_field=BooleanField()))
    return queryset.filter(starts_at__lt=end, ends_at__gt=start)


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
