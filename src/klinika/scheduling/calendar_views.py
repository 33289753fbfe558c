"""The calendar as a time grid: a day of several practitioners side by side, a practitioner's day or week;
moving a visit by dragging it (or with "move") onto a free slot; the patient's printed confirmation.

Every change goes through the same services as the API (`services.reschedule`), so a refused move
is refused for the same reason, says it in the user's language and changes nothing.
"""
import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinika.accounts.policy import can, require
from klinika.inputs import day_param
from klinika.patients.models import Patient
from klinika.scheduling import calendar_grid, services
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.forms import monday_of
from klinika.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    Room,
    VisitType,
    WeeklyAvailability,
)
from klinika.scheduling.services import printouts
from klinika.scheduling.slots import find_free_slots, local_date, local_midnight, working_hours
from klinika.scheduling.views import permissions
from klinika.staff.models import Practitioner

ONE_DAY = datetime.timedelta(days=1)


def safe_next(request, value, default):
    """A return address inside this site's schedule pages, else the default (never an open redirect)."""
    if value and value.startswith("/schedule/") and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return default


def _visit_type(request, moving=None):
    if moving is not None:
        return moving.visit_type
    chosen = services.as_id(request.GET.get("visit_type", ""))
    types = VisitType.objects.order_by("duration_minutes", "name")
    return types.filter(pk=chosen).first() or types.first()


def _patient(request):
    value = services.as_id(request.GET.get("patient", ""))
    return Patient.objects.filter(pk=value).defer("details").first() if value > 0 else None


def _moving(request):
    """The visit being moved (?move=id): its visit type decides the gaps shown."""
    value = request.GET.get("move", "")
    if not value or not can(request.user, "schedule.book"):
        return None
    appointment = services.get_appointment(request.user, value)
    return appointment if appointment.status == AppointmentStatus.BOOKED else None


def _columns(user, practitioners, dates, visit_type) -> list[calendar_grid.Column]:
    first, last = min(dates), max(dates)
    columns = []
    for practitioner in practitioners:
        appointments = services.appointments_between(user, date_from=first, date_to=last, practitioner=practitioner,
                                                     include_cancelled=False)
        hours = working_hours(practitioner.pk, first, last)
        free = find_free_slots(visit_type=visit_type, practitioner=practitioner, date_from=first,
                               date_to=last) if visit_type else []
        for day in dates:
            columns.append(calendar_grid.Column(
                practitioner, day, [a for a in appointments if local_date(a.starts_at) == day], hours.get(day, []),
                [s for s in free if local_date(s.starts_at) == day]))
    return columns


def _practitioners_query():
    return Practitioner.objects.filter(is_active=True).select_related("staff").prefetch_related("specialties")


def _sorted(practitioners):
    return sorted(practitioners, key=lambda p: (str(p.staff.last_name), str(p.staff.first_name), p.pk))


def _in_room(room, day):
    """Practitioners working in the room on that date (weekly hours, extra hours) or with a visit there."""
    start, end = local_midnight(day), local_midnight(day + ONE_DAY)
    weekly = WeeklyAvailability.objects.filter(room=room, weekday=day.weekday(), valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)).values_list("practitioner_id", flat=True)
    extra = AvailabilityException.objects.filter(room=room, kind=AvailabilityException.Kind.EXTRA, starts_at__lt=end,
                                                 ends_at__gt=start).values_list("practitioner_id", flat=True)
    visits = Appointment.objects.filter(room=room, starts_at__lt=end, ends_at__gt=start).exclude(
        status=AppointmentStatus.CANCELLED).values_list("practitioner_id", flat=True)
    return {*weekly, *extra, *visits}


def _specialties():
    """The specialties someone active practises: the choice a desk needs, not the whole national code list."""
    found = {(s.code, s.name) for p in _practitioners_query() for s in p.specialties.all()}
    return sorted(found, key=lambda item: item[1])


def _url(name, params, *args) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse(name, args=args)}?{urlencode(params)}" if params else reverse(name, args=args)


def _minutes_of_day(moment) -> int:
    local = moment.astimezone(calendar_grid.ZONE)
    return local.hour * 60 + local.minute


def _grid_context(request, columns, *, visit_type, moving, patient, here) -> dict:
    """What the grid template needs, the booking / move links of the free cells included."""
    grid = calendar_grid.layout(columns, now=timezone.now())
    for row in grid["rows"]:
        for cell in row["cells"]:
            if cell is not None and cell.kind == "free":
                cell.book_url = _url("scheduling:book-confirm", {
                    "practitioner": cell.column.practitioner.pk, "visit_type": visit_type.pk,
                    "starts_at": cell.local_start.isoformat(), "patient": getattr(patient, "pk", None),
                    "back": here})
    parts = urlsplit(here)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "move"]
    return {"grid": grid, "visit_type": visit_type, "moving": moving, "patient": patient, "here": here,
            "back_after_move": parts.path + (f"?{urlencode(query)}" if query else ""),
            "visit_types": VisitType.objects.order_by("duration_minutes", "name"), "may": permissions(request.user),
            "today": local_date(timezone.now()), "now_minutes": _minutes_of_day(timezone.now())}


def day(request):
    """Several practitioners side by side on one day, chosen by specialty or by room (or all)."""
    require(request.user, "schedule.view")
    day = day_param(request.GET.get("date", ""), default=local_date(timezone.now()))
    specialty = request.GET.get("specialty", "")
    room = Room.objects.filter(pk=services.as_id(request.GET.get("room", ""))).first()
    practitioners = _practitioners_query()
    if specialty:
        practitioners = practitioners.filter(specialties__code=specialty).distinct()
    if room is not None:
        practitioners = practitioners.filter(pk__in=_in_room(room, day))
    moving = _moving(request)
    visit_type = _visit_type(request, moving)
    patient = _patient(request)
    keep = {"specialty": specialty, "room": getattr(room, "pk", None),
            "visit_type": visit_type.pk if visit_type and not moving else None,
            "patient": getattr(patient, "pk", None), "move": getattr(moving, "pk", None)}
    here = _url("scheduling:day", keep | {"date": day.isoformat()})
    columns = _columns(request.user, _sorted(practitioners), [day], visit_type)
    context = _grid_context(request, columns, visit_type=visit_type, moving=moving, patient=patient, here=here) | {
        "view": "grid-day", "day": day, "specialty": specialty, "room": room,
        "specialties": _specialties(), "rooms": Room.objects.order_by("name"),
        "previous_url": _url("scheduling:day", keep | {"date": (day - ONE_DAY).isoformat()}),
        "next_url": _url("scheduling:day", keep | {"date": (day + ONE_DAY).isoformat()}),
        "today_url": _url("scheduling:day", keep | {"date": local_date(timezone.now()).isoformat()}),
        "keep": keep}
    template = "scheduling/_day_grid.html" if request.htmx else "scheduling/calendar_day.html"
    return render(request, template, context)


def practitioner_calendar(request, practitioner_id):
    """One practitioner's day or week (Monday to Sunday) as a grid: a column per date."""
    require(request.user, "schedule.view")
    practitioner = get_object_or_404(_practitioners_query(), pk=practitioner_id)
    day = day_param(request.GET.get("date", ""), default=local_date(timezone.now()))
    view = "week" if request.GET.get("view") == "week" else "day"
    first = monday_of(day) if view == "week" else day
    dates = [first + ONE_DAY * i for i in range(7 if view == "week" else 1)]
    step = ONE_DAY * len(dates)
    moving = _moving(request)
    visit_type = _visit_type(request, moving)
    patient = _patient(request)
    keep = {"view": view, "visit_type": visit_type.pk if visit_type and not moving else None,
            "patient": getattr(patient, "pk", None), "move": getattr(moving, "pk", None)}
    here = _url("scheduling:calendar", keep | {"date": day.isoformat()}, practitioner.pk)
    columns = _columns(request.user, [practitioner], dates, visit_type)
    context = _grid_context(request, columns, visit_type=visit_type, moving=moving, patient=patient, here=here) | {
        "view": view, "practitioner": practitioner, "day": day, "first": first, "last": dates[-1],
        "previous_url": _url("scheduling:calendar", keep | {"date": (first - step).isoformat()}, practitioner.pk),
        "next_url": _url("scheduling:calendar", keep | {"date": (first + step).isoformat()}, practitioner.pk),
        "today_url": _url("scheduling:calendar", keep | {"date": local_date(timezone.now()).isoformat()},
                          practitioner.pk),
        "day_url": _url("scheduling:calendar", keep | {"view": "day", "date": day.isoformat()}, practitioner.pk),
        "week_url": _url("scheduling:calendar", keep | {"view": "week", "date": day.isoformat()}, practitioner.pk),
        "keep": keep}
    template = "scheduling/_calendar.html" if request.htmx else "scheduling/calendar.html"
    return render(request, template, context)


@require_POST
def move(request, appointment_id):
    """Move a visit onto a free slot (dragged there, or chosen with "move"): the API's checks, all or nothing."""
    require(request.user, "schedule.book")
    back = safe_next(request, request.POST.get("next", ""), reverse("scheduling:appointment", args=[appointment_id]))
    try:
        new = services.reschedule(request.user, appointment_id, starts_at=request.POST.get("starts_at", ""),
                                  practitioner=request.POST.get("practitioner") or None)
    except SlotTaken as exc:
        messages.error(request, exc.messages[0])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The visit is moved to %(when)s.") % {
            "when": new.starts_at.astimezone(calendar_grid.ZONE).strftime("%d.%m.%Y %H:%M")})
        # after a move the grid is shown without the move mode (its ?move= names the cancelled visit)
        parts = urlsplit(back)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "move"]
        back = parts.path + (f"?{urlencode(query)}" if query else "")
    return redirect(back)


@require_GET
def confirmation(request, appointment_id):
    """The patient's printed confirmation (PDF): when, where, with whom, how to cancel; never why."""
    if not (can(request.user, "schedule.book") or can(request.user, "schedule.check_in")):
        raise PermissionDenied(_("You may not do this."))
    try:
        name, pdf = printouts.confirmation(request.user, appointment_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scheduling:appointment", appointment_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
