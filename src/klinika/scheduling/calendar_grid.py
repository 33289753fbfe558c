"""The calendar's time grid: columns (a practitioner on a date) × rows (wall-clock steps), laid out as a table.

A table with rowspans rather than absolutely positioned boxes: the CSP forbids inline styles, a
table reads in order for a screen reader, and keyboard navigation can walk it by row and column.

Each column's cells, in order of precedence: a visit (any status but cancelled holds the time; a
status this code does not know, e.g. a slot held for a waitlist offer, is shown as busy), a free
slot of the chosen visit type (a gap to click), leave, working hours with nothing bookable left
(past, or not offered for this visit type), and time outside the working hours.
"""
import datetime
import math
from dataclasses import dataclass, field

from klinika.scheduling.models import AppointmentStatus
from klinika.scheduling.slots import ZONE, wall_time

S = AppointmentStatus
KNOWN_VISIT_STATUSES = {S.BOOKED, S.CHECKED_IN, S.COMPLETED, S.NO_SHOW}
DEFAULT_DAY = (8 * 60, 16 * 60)  # minutes of the day shown when nobody works


@dataclass
class Column:
    practitioner: object
    date: datetime.date
    appointments: list = field(default_factory=list)
    hours: list = field(default_factory=list)  # (start, end, kind) as working_hours() gives them
    free: list = field(default_factory=list)  # Slot objects of the chosen visit type, this column only


@dataclass
class Cell:
    kind: str  # visit | busy | free | leave | open | off
    row: int
    col: int
    span: int = 1
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    appointment: object = None
    slot: object = None
    column: Column | None = None

    @property
    def local_start(self):
        return self.starts_at.astimezone(ZONE) if self.starts_at else None


def step_minutes(columns, default=15) -> int:
    """The finest step that puts every visit and slot start on a row boundary (5 minutes at the least)."""
    step = default
    for column in columns:
        for moment in [a.starts_at for a in column.appointments] + [s.starts_at for s in column.free]:
            step = math.gcd(step, moment.astimezone(ZONE).minute)
    return max(step, 5)


def _bounds(columns) -> tuple[int, int]:
    """(first, last) minute of the day shown: whole hours around every working hour and visit."""
    starts, ends = [], []
    for column in columns:
        spans = [(b, e) for b, e, _kind in column.hours] + [(a.starts_at, a.ends_at) for a in column.appointments]
        for begin, finish in spans:
            begin, finish = begin.astimezone(ZONE), finish.astimezone(ZONE)
            starts.append(begin.hour * 60 + begin.minute if begin.date() == column.date else 0)
            ends.append(finish.hour * 60 + finish.minute if finish.date() == column.date else 24 * 60)
    if not starts:
        return DEFAULT_DAY
    return min(starts) // 60 * 60, min(24 * 60, -(-max(ends) // 60) * 60)


def row_times(first: int, last: int, step: int) -> list[datetime.time]:
    return [datetime.time(m // 60, m % 60) for m in range(first, last, step)]


def layout(columns: list[Column], *, now=None, step=None) -> dict:
    """{"times", "rows": [{"time", "cells": [Cell | None (covered by a cell above)], "is_now"}], "step"}."""
    step = step or step_minutes(columns)
    first, last = _bounds(columns)
    times = row_times(first, last, step)
    delta = datetime.timedelta(minutes=step)
    grid = [[None] * len(columns) for _ in times]
    for c, column in enumerate(columns):
        moments = [wall_time(column.date, t) for t in times]
        _fill_column(grid, c, column, moments, delta)
    rows = []
    for r, t in enumerate(times):
        rows.append({"time": t, "cells": grid[r], "index": r, "is_now": False})
    if now is not None:
        local = now.astimezone(ZONE)
        for r, t in enumerate(times):
            begin = datetime.datetime.combine(local.date(), t, tzinfo=ZONE)
            if begin <= local < begin + delta and any(col.date == local.date() for col in columns):
                rows[r]["is_now"] = True
    return {"rows": rows, "step": step, "columns": columns}


def _fill_column(grid, c, column, moments, delta):
    visits = sorted((a for a in column.appointments if a.status != S.CANCELLED), key=lambda a: a.starts_at)
    free = sorted(column.free, key=lambda s: s.starts_at)
    leave = [(b, e) for b, e, kind in column.hours if kind == "unavailable"]
    working = [(b, e) for b, e, kind in column.hours if kind != "unavailable"]
    n = len(moments)
    taken = [False] * n

    def rows_until(r, end):
        span = 1
        while r + span < n and moments[r + span] is not None and moments[r + span] < end and not taken[r + span]:
            span += 1
        return span

    def place(cell):
        for i in range(cell.row, cell.row + cell.span):
            taken[i] = True
        grid[cell.row][c] = cell
        for i in range(cell.row + 1, cell.row + cell.span):
            grid[i][c] = None

    for a in visits:
        r = _row_of(moments, a.starts_at, a.ends_at, delta)
        if r is None or taken[r]:
            continue
        kind = "visit" if a.status in KNOWN_VISIT_STATUSES else "busy"
        place(Cell(kind, r, c, rows_until(r, a.ends_at), a.starts_at, a.ends_at, appointment=a, column=column))
    for i, slot in enumerate(free):
        r = _row_of(moments, slot.starts_at, slot.ends_at, delta)
        if r is None or taken[r]:
            continue
        end = min([slot.ends_at] + [s.starts_at for s in free[i + 1:i + 2]])
        place(Cell("free", r, c, rows_until(r, end), slot.starts_at, slot.ends_at, slot=slot, column=column))
    for r, moment in enumerate(moments):
        if taken[r]:
            continue
        if moment is None:  # the hour the clock skips in spring
            kind = "off"
        elif any(b <= moment < e for b, e in leave):
            kind = "leave"
        elif any(b <= moment < e for b, e in working):
            kind = "open"
        else:
            kind = "off"
        previous = _last_cell(grid, c, r)
        if previous is not None and previous.kind == kind and kind != "free" and previous.row + previous.span == r:
            previous.span += 1
            taken[r] = True
            grid[r][c] = None
            continue
        place(Cell(kind, r, c, 1, moment, moment + delta if moment else None, column=column))


def _last_cell(grid, c, r):
    for i in range(r - 1, -1, -1):
        if grid[i][c] is not None:
            return grid[i][c]
    return None


def _row_of(moments, begin, end, delta):
    """The row a visit or slot starts in: the row holding its start, or the first row it covers."""
    for r, moment in enumerate(moments):
        if moment is not None and moment <= begin < moment + delta:
            return r
    for r, moment in enumerate(moments):
        if moment is not None and begin <= moment < end:
            return r
    return None
