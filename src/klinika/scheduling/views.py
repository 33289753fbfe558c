"""Calendars, the desk's day, one appointment and what may be done to it."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinika.accounts.policy import can, require
from klinika.scheduling import services
from klinika.scheduling.forms import CancelForm
from klinika.scheduling.models import AppointmentStatus
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.slots import local_date
from klinika.staff.models import Practitioner

S = AppointmentStatus


def permissions(user) -> dict:
    """What the templates may offer this user (what a role may not do is not rendered)."""
    return {name.split(".")[1]: can(user, name) for name in (
        "schedule.book", "schedule.check_in", "schedule.complete", "schedule.view_reason", "schedule.manage")} | {
        "see_patients": can(user, "patients.view_demographics")}


def _practitioners():
    # schedule.view is enough to see whose calendar is whose (a support operator has no staff.view)
    practitioners = Practitioner.objects.filter(is_active=True).select_related("staff").prefetch_related("specialties")
    return sorted(practitioners, key=lambda p: (str(p.staff.last_name), str(p.staff.first_name), p.pk))


def index(request):
    require(request.user, "schedule.view")
    own = Practitioner.objects.filter(staff__user=request.user).first()
    return render(request, "scheduling/index.html", {
        "practitioners": _practitioners(), "own": own, "may": permissions(request.user),
        "kept": setup_services.visits_kept_outside_hours(request.user)})


def my_calendar(request):
    require(request.user, "schedule.view")
    own = Practitioner.objects.filter(staff__user=request.user).first()
    if own is None:
        messages.info(request, _("You have no schedule of your own."))
        return redirect("scheduling:index")
    return redirect("scheduling:calendar", own.pk)


def today(request):
    require(request.user, "schedule.view")
    day = local_date(timezone.now())
    appointments = services.appointments_between(request.user, date_from=day, date_to=day, include_cancelled=False)
    return render(request, "scheduling/today.html", {"appointments": appointments, "day": day,
                                                     "may": permissions(request.user)})


def appointment_detail(request, appointment_id, *, cancel_form=None, status=200):
    appointment = services.get_appointment(request.user, appointment_id)
    now = timezone.now()
    may = permissions(request.user)
    booked = appointment.status == S.BOOKED
    actions = {
        "check_in": may["check_in"] and booked and local_date(appointment.starts_at) == local_date(now),
        "cancel": may["book"] and booked and appointment.starts_at > now,
        "reschedule": may["book"] and booked,
        "no_show": may["complete"] and booked and appointment.starts_at <= now,
        "complete": may["complete"] and appointment.status == S.CHECKED_IN,
        # the visit record is the records app's: linked by URL name only, no import across apps
        "print_confirmation": (may["book"] or may["check_in"]) and appointment.status in (S.BOOKED, S.CHECKED_IN),
        "start_visit": can(request.user, "records.write") and appointment.status in (S.BOOKED, S.CHECKED_IN),
    }
    return render(request, "scheduling/appointment.html", {
        "appointment": appointment, "may": may, "actions": actions,
        "reason": services.visible_reason(request.user, appointment),
        "cancel_form": cancel_form or CancelForm()}, status=status)


@require_POST
def cancel(request, appointment_id):
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_appointment(request.user, appointment_id, form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The visit is cancelled."))
            return redirect("scheduling:appointment", appointment_id)
    return appointment_detail(request, appointment_id, cancel_form=form, status=400)


def _status_action(operation, done_message):
    @require_POST
    def view(request, appointment_id):
        try:
            operation(request.user, appointment_id)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done_message())
        target = request.POST.get("next")
        if target == "today":
            return redirect("scheduling:today")
        return redirect("scheduling:appointment", appointment_id)

    return view


check_in = _status_action(services.check_in, lambda: _("The patient is checked in."))
no_show = _status_action(services.mark_no_show, lambda: _("The visit is marked as a no-show."))
complete = _status_action(services.complete, lambda: _("The visit is marked as done."))


def patient_appointments(request, patient_id):
    """The fragment the patient card loads: upcoming and past appointments of one patient."""
    patient, upcoming, past = services.patient_appointments(request.user, patient_id)
    return render(request, "scheduling/_patient_appointments.html", {
        "patient": patient, "upcoming": upcoming, "past": past, "may": permissions(request.user)})
