"""The day grid: several practitioners side by side, visits, free gaps that open the booking, leave, off hours;
a status the calendar does not know (a held slot) shows as busy; the grid is walkable by keyboard."""
import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from klinika.accounts.roles import Role
from klinika.scheduling import calendar_grid
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import ZONE, find_free_slots, wall_time, working_hours
from klinika.tenancy.context import clinic_context
from tests.scheduling.booking import book_next
from tests.scheduling.calendar_world import with_nurse_hours
from tests.scheduling.clients import logged_in
from tests.scheduling.world import next_weekday

pytestmark = pytest.mark.django_db


def _cells(body, date=None):
    """(kind, practitioner id, row, span) of every cell in the rendered grid."""
    found = re.findall(r'<td rowspan="(\d+)" class="cell cell-(\w+)[^"]*" data-cell data-row="(\d+)" data-col="(\d+)" '
                       r'data-span="\d+" data-date="([\d-]+)" data-practitioner="(\d+)"', body)
    return [(kind, int(pid), int(row), int(span)) for span, kind, row, _col, d, pid in found if date in (None, d)]


def test_the_layout_puts_visits_gaps_leave_and_off_hours_in_their_rows(world, clinic):
    monday = next_weekday(0)
    with clinic_context(clinic):
        visit = book_next(world, index=0)  # 8:00-8:30, a first visit
        setup_services.add_exception(world.users[Role.CLINIC_ADMIN], practitioner=world.gyn, kind="unavailable",
                                     starts_at=wall_time(monday, datetime.time(11)),
                                     ends_at=wall_time(monday, datetime.time(12)))
        from klinika.scheduling.models import Appointment
        appointments = list(Appointment.objects.filter(pk=visit.pk))
        free = find_free_slots(visit_type=world.follow_up, practitioner=world.gyn, date_from=monday, date_to=monday)
        hours = working_hours(world.gyn.pk, monday, monday)[monday]
    column = calendar_grid.Column(world.gyn, monday, appointments, hours, free)
    other = calendar_grid.Column(world.nurse, monday, [], [], [])
    grid = calendar_grid.layout([column, other])
    times = [row["time"] for row in grid["rows"]]
    assert grid["step"] == 15 and times[0] == datetime.time(8) and times[-1] == datetime.time(11, 45)
    first = grid["rows"][0]["cells"]
    assert first[0].kind == "visit" and first[0].span == 2 and first[0].appointment.pk == visit.pk
    assert grid["rows"][1]["cells"][0] is None  # covered by the visit's rowspan
    kinds = [row["cells"][0].kind for row in grid["rows"] if row["cells"][0] is not None]
    assert kinds == ["visit"] + ["free"] * 10 + ["leave"]
    leave = next(row["cells"][0] for row in grid["rows"] if row["cells"][0] and row["cells"][0].kind == "leave")
    assert leave.span == 4 and leave.local_start.time() == datetime.time(11)
    # the nurse works no hours that day: one "off" cell covers her whole column
    assert first[1].kind == "off" and first[1].span == len(times)


def test_the_day_grid_shows_practitioners_side_by_side_and_a_gap_opens_the_booking(world, clinic):
    with_nurse_hours(world)
    monday = next_weekday(0)
    with clinic_context(clinic):
        visit = book_next(world, index=0)
        name = world.patients[0].last_name
    client = logged_in(world.users[Role.REGISTRAR])
    body = client.get(f"/schedule/day/?date={monday}&visit_type={world.follow_up.pk}"
                      f"&patient={world.patients[1].pk}").content.decode()
    cells = _cells(body)
    assert {pid for _k, pid, _r, _s in cells} == {world.gyn.pk, world.nurse.pk}
    assert ("visit", world.gyn.pk, 0, 2) in cells and name in body and f'data-appointment="{visit.pk}"' in body
    nurse = [c for c in cells if c[1] == world.nurse.pk]
    assert nurse[0] == ("off", world.nurse.pk, 0, 8) and nurse[1][0] == "free"  # 8-10 off, 10:00 free
    links = [href.replace("&amp;", "&") for href in re.findall(r'class="gap" href="([^"]+)"', body)]
    assert len(links) == len([c for c in cells if c[0] == "free"])
    params = parse_qs(urlsplit(links[0]).query)
    assert params["practitioner"] == [str(world.gyn.pk)] and params["visit_type"] == [str(world.follow_up.pk)]
    assert params["starts_at"][0].startswith(f"{monday}T08:30") and params["patient"] == [str(world.patients[1].pk)]
    confirm = client.get(links[0]).content.decode()
    assert world.patients[1].last_name in confirm and 'role="alert"' not in confirm
    # by specialty: only the gynaecologist; by room: only who works in it that day
    only_gyn = _cells(client.get(f"/schedule/day/?date={monday}&specialty=0724").content.decode())
    assert {c[1] for c in only_gyn} == {world.gyn.pk}
    in_room2 = _cells(client.get(f"/schedule/day/?date={monday}&room={world.room2.pk}").content.decode())
    assert {c[1] for c in in_room2} == {world.nurse.pk}


def test_a_status_the_calendar_does_not_know_shows_as_busy(world, clinic):
    monday = next_weekday(0)
    with clinic_context(clinic):
        visit = book_next(world, index=2)
        from klinika.scheduling.models import Appointment
        Appointment.objects.filter(pk=visit.pk).update(status="held")  # part of issue 11: a waitlist offer's hold
        name = world.patients[0].last_name
    body = logged_in(world.users[Role.REGISTRAR]).get(f"/schedule/day/?date={monday}&specialty=0724").content.decode()
    cells = _cells(body)
    assert ("busy", world.gyn.pk, 2, 2) in cells
    assert name not in body and 'draggable="true"' not in body


def test_the_week_view_has_a_column_per_day_and_leave_shows(world, clinic):
    monday = next_weekday(0)
    with clinic_context(clinic):
        visit = book_next(world, weekday=2, index=1)
        setup_services.add_exception(world.users[Role.CLINIC_ADMIN], practitioner=world.gyn, kind="unavailable",
                                     starts_at=wall_time(monday + datetime.timedelta(days=1), datetime.time(8)),
                                     ends_at=wall_time(monday + datetime.timedelta(days=1), datetime.time(12)))
    body = logged_in(world.users[Role.DOCTOR]).get(
        f"/schedule/practitioners/{world.gyn.pk}/?date={monday}&view=week").content.decode()
    heads = re.findall(r'class="cal-head[^"]*" data-col="\d+" data-date="([\d-]+)"', body)
    assert heads == [(monday + datetime.timedelta(days=i)).isoformat() for i in range(7)]
    tuesday = _cells(body, (monday + datetime.timedelta(days=1)).isoformat())
    assert [c[0] for c in tuesday] == ["leave"]
    wednesday = (monday + datetime.timedelta(days=2)).isoformat()
    assert ("visit", world.gyn.pk, 1, 2) in _cells(body, wednesday) and f'data-appointment="{visit.pk}"' in body
    assert '<p class="reason">kontrola</p>' in body  # the doctor reads the reason; the registrar would not


def test_the_grid_is_walkable_by_keyboard(world, clinic):
    monday = next_weekday(0)
    body = logged_in(world.users[Role.REGISTRAR]).get(f"/schedule/day/?date={monday}").content.decode()
    assert body.count('tabindex="0"') == 1 and re.search(r'data-row="0" data-col="0"[^>]*tabindex="0"', body)
    assert len(re.findall(r"<td [^>]*data-cell[^>]*tabindex=\"-1\"", body)) > 10
    for key, nav in (("PageUp", "previous"), ("PageDown", "next"), ("T", "today")):
        assert re.search(rf'data-nav="{nav}" aria-keyshortcuts="{key}"', body)
    assert "scheduling/calendar.js" in body and 'aria-describedby="cal-keys"' in body
    # today's line: the script moves it from the clinic's time the page was made at, not the browser's zone
    assert re.search(r'data-today="[\d-]+" data-now-minutes="\d+"', body)
    one_day = datetime.timedelta(days=1)
    assert f"date={monday - one_day}" in body and f"date={monday + one_day}" in body


def test_todays_line_marks_the_row_of_the_current_time(world, clinic):
    now = timezone.now().astimezone(ZONE)
    column = calendar_grid.Column(world.gyn, now.date(), [], [
        (wall_time(now.date(), datetime.time(0)), wall_time(now.date(), datetime.time(23, 45)), "weekly")], [])
    grid = calendar_grid.layout([column], now=now)
    marked = [row["time"] for row in grid["rows"] if row["is_now"]]
    assert len(marked) == 1 and marked[0] <= now.time() and (
        datetime.datetime.combine(now.date(), marked[0]) + datetime.timedelta(minutes=15)).time() > now.time() \
        or marked[0] == datetime.time(23, 45)
    tomorrow = calendar_grid.layout([calendar_grid.Column(world.gyn, now.date() + datetime.timedelta(days=1))],
                                    now=now)
    assert not any(row["is_now"] for row in tomorrow["rows"])
