"""The clinic admin's schedule set-up: rooms, visit types, settings, each practitioner's hours and exceptions."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinika.accounts.policy import require
from klinika.scheduling.forms import ExceptionForm, RoomForm, SettingsForm, VisitTypeForm, WeeklyHoursForm
from klinika.scheduling.models import AvailabilityException, WeeklyAvailability
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import clinic_settings
from klinika.staff.forms import add_service_errors
from klinika.staff.services import get_practitioner, list_practitioners

FORMS = {"room": RoomForm, "visit_type": VisitTypeForm, "settings": SettingsForm}


def setup(request):
    require(request.user, "schedule.manage")
    current = clinic_settings()
    forms = {"room": RoomForm(), "visit_type": VisitTypeForm(), "settings": SettingsForm(initial={
        "reminder_days_ahead": current.reminder_days_ahead, "planning_horizon_days": current.planning_horizon_days})}
    status = 200
    which = request.POST.get("form")
    if request.method == "POST" and which in FORMS:
        form = forms[which] = FORMS[which](request.POST)
        if form.is_valid():
            try:
                _save(request.user, which, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("scheduling:setup")
        status = 400
    return render(request, "scheduling/setup.html", {
        "forms": forms, "rooms": setup_services.rooms(request.user),
        "visit_types": setup_services.visit_types(request.user),
        "practitioners": list_practitioners(request.user, active_only=False)}, status=status)


def _save(user, which, data):
    if which == "room":
        setup_services.create_room(user, data["name"])
    elif which == "visit_type":
        setup_services.create_visit_type(user, name=data["name"], code=data["code"],
                                         duration_minutes=data["duration_minutes"])
    else:
        setup_services.update_settings(user, **data)


def practitioner_hours(request, practitioner_id):
    require(request.user, "schedule.manage")
    practitioner = get_practitioner(request.user, practitioner_id)
    hours_form, exception_form = WeeklyHoursForm(practitioner=practitioner), ExceptionForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "hours":
            form = hours_form = WeeklyHoursForm(request.POST, practitioner=practitioner)
            save = setup_services.add_weekly_hours
        else:
            form = exception_form = ExceptionForm(request.POST)
            save = setup_services.add_exception
        if form.is_valid():
            try:
                save(request.user, practitioner=practitioner, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("scheduling:setup-hours", practitioner.pk)
        status = 400
    hours = (WeeklyAvailability.objects.filter(practitioner=practitioner).select_related("room")
             .prefetch_related("visit_types").order_by("weekday", "start_time"))
    exceptions = (AvailabilityException.objects.filter(practitioner=practitioner).select_related("room")
                  .order_by("-starts_at")[:50])
    return render(request, "scheduling/setup_hours.html", {
        "practitioner": practitioner, "hours": hours, "exceptions": exceptions, "hours_form": hours_form,
        "exception_form": exception_form}, status=status)


@require_POST
def end_hours(request, practitioner_id, hours_id):
    require(request.user, "schedule.manage")
    try:
        setup_services.end_weekly_hours(request.user, hours_id, request.POST.get("valid_until", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("scheduling:setup-hours", practitioner_id)


@require_POST
def remove_exception(request, practitioner_id, exception_id):
    require(request.user, "schedule.manage")
    setup_services.remove_exception(request.user, exception_id)
    return redirect("scheduling:setup-hours", practitioner_id)
