"""The clinic admin's schedule set-up: rooms, visit types, settings, each practitioner's hours and exceptions.

A leave, the end of weekly hours or the removal of extra hours that would leave booked visits
outside the practitioner's time is not saved at once: the page lists those visits, and the
change is saved together with a decision for each (move / cancel with a notice / keep)."""
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinika.accounts.policy import require
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.forms import ExceptionForm, RoomForm, SettingsForm, VisitTypeForm, WeeklyHoursForm
from klinika.scheduling.models import AvailabilityException, WeeklyAvailability
from klinika.scheduling.services import as_id
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import clinic_settings
from klinika.staff.forms import add_service_errors
from klinika.staff.services import get_practitioner, list_practitioners

FORMS = {"room": RoomForm, "visit_type": VisitTypeForm, "settings": SettingsForm}
DECISIONS = ("move", "cancel", "keep")


def setup(request):
    require(request.user, "schedule.manage")
    current = clinic_settings()
    forms = {"room": RoomForm(), "visit_type": VisitTypeForm(), "settings": SettingsForm(initial={
        "reminder_days_ahead": current.reminder_days_ahead, "planning_horizon_days": current.planning_horizon_days,
        "address": current.address, "cancel_info": current.cancel_info})}
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
        else:
            form = exception_form = ExceptionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if form is hours_form:
                response = _apply(request, practitioner, None, lambda: setup_services.add_weekly_hours(
                    request.user, practitioner=practitioner, **data), form=form)
            else:
                change = None
                if data["kind"] == AvailabilityException.Kind.UNAVAILABLE and data["ends_at"] > data["starts_at"]:
                    change = setup_services.leave_change(practitioner, data["starts_at"], data["ends_at"])
                response = _apply(request, practitioner, change, lambda: setup_services.add_exception(
                    request.user, practitioner=practitioner, **data), form=form)
            if response is not None:
                return response
        status = 400
    return _hours_page(request, practitioner, hours_form, exception_form, status)


def _hours_page(request, practitioner, hours_form, exception_form, status=200):
    hours = (WeeklyAvailability.objects.filter(practitioner=practitioner).select_related("room")
             .prefetch_related("visit_types").order_by("weekday", "start_time"))
    exceptions = (AvailabilityException.objects.filter(practitioner=practitioner).select_related("room")
                  .order_by("-starts_at")[:50])
    return render(request, "scheduling/setup_hours.html", {
        "practitioner": practitioner, "hours": hours, "exceptions": exceptions, "hours_form": hours_form,
        "exception_form": exception_form,
        "kept": setup_services.visits_kept_outside_hours(request.user, practitioner)}, status=status)


@require_POST
def end_hours(request, practitioner_id, hours_id):
    require(request.user, "schedule.manage")
    practitioner = get_practitioner(request.user, practitioner_id)
    try:
        change = setup_services.end_hours_change(hours_id, request.POST.get("valid_until", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scheduling:setup-hours", practitioner.pk)
    return _apply(request, practitioner, change, lambda: setup_services.end_weekly_hours(
        request.user, change.hours_id, change.valid_until))


@require_POST
def remove_exception(request, practitioner_id, exception_id):
    require(request.user, "schedule.manage")
    practitioner = get_practitioner(request.user, practitioner_id)
    change = setup_services.remove_exception_change(exception_id)
    return _apply(request, practitioner, change, lambda: setup_services.remove_exception(
        request.user, change.exception_id))


def _apply(request, practitioner, change, save, form=None):
    """Save at once when no booked visit is in the way; else list the visits, and save with the decisions.

    Returns None when `form` got the errors (the caller shows it again)."""
    affected = setup_services.visits_affected(request.user, change) if change is not None else []
    decisions, problems = _decisions(request.POST, affected)
    reviewed = request.POST.get("review") == "done"
    if affected and (problems or not reviewed):
        return _review(request, practitioner, change, affected, problems if reviewed else {},
                       status=400 if reviewed else 200)
    try:
        outcomes = setup_services.apply_change(request.user, change, decisions, save=save) if change else [save()]
    except ValidationError as exc:
        # A visit booked in the meantime is listed too: the review shows whatever is in the way now.
        now_affected = setup_services.visits_affected(request.user, change) if change is not None else []
        if now_affected:
            return _review(request, practitioner, change, now_affected, {}, error=" ".join(exc.messages),
                           status=409 if isinstance(exc, SlotTaken) else 400)
        if form is not None:
            add_service_errors(form, exc)
            return None
        messages.error(request, " ".join(exc.messages))
        return redirect("scheduling:setup-hours", practitioner.pk)
    messages.success(request, _("Saved."))
    handled = [o.appointment.pk for o in outcomes if isinstance(o, setup_services.Outcome)]
    if handled:
        query = QueryDict(mutable=True)
        query.setlist("a", [str(pk) for pk in handled])
        return redirect(reverse("scheduling:setup-changes", args=[practitioner.pk]) + "?" + query.urlencode())
    return redirect("scheduling:setup-hours", practitioner.pk)


def _decisions(post, affected) -> tuple[dict, dict]:
    """{appointment id: Decision} from the review form, and {appointment id: what is missing}."""
    decisions, problems = {}, {}
    for visit in affected:
        action = post.get(f"decision-{visit.pk}", "")
        if action not in DECISIONS:
            problems[visit.pk] = _("Choose what happens to this visit.")
            continue
        decision = setup_services.Decision(action)
        if action == "move":
            practitioner_id, _sep, moment = post.get(f"slot-{visit.pk}", "").partition("@")
            try:
                decision.practitioner_id = as_id(practitioner_id)
                decision.starts_at = datetime.datetime.fromisoformat(moment)
            except ValueError:
                problems[visit.pk] = _("Choose the time to move the visit to.")
                continue
            if decision.practitioner_id < 0 or decision.starts_at.tzinfo is None:
                problems[visit.pk] = _("Choose the time to move the visit to.")
                continue
        decisions[visit.pk] = decision
    return decisions, problems


def _review(request, practitioner, change, affected, problems, *, error=None, status=200):
    carried = [(key, value) for key, values in request.POST.lists() for value in values
               if key not in ("csrfmiddlewaretoken", "review") and not key.startswith(("decision-", "slot-"))]
    rows = [{"visit": visit, "options": setup_services.move_options(request.user, visit, change),
             "chosen": request.POST.get(f"decision-{visit.pk}", ""),
             "chosen_slot": request.POST.get(f"slot-{visit.pk}", ""),
             "problem": problems.get(visit.pk, "")} for visit in affected]
    return render(request, "scheduling/setup_review.html", {
        "practitioner": practitioner, "change": change, "rows": rows, "carried": carried, "error": error,
        "action": request.path}, status=status)


def changes(request, practitioner_id):
    """What became of the visits a change handled: moved where, cancelled (and was the patient told), kept."""
    require(request.user, "schedule.manage")
    practitioner = get_practitioner(request.user, practitioner_id)
    visits = setup_services.read_outcomes(request.user, request.GET.getlist("a"))
    return render(request, "scheduling/setup_changes.html", {"practitioner": practitioner, "visits": visits})
