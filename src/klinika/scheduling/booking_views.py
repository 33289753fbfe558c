"""The booking flow: find a free slot → pick the patient → confirm; and rescheduling."""
import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from klinika.accounts.policy import can, require
from klinika.inputs import day_param
from klinika.patients.models import Patient
from klinika.scheduling import services
from klinika.scheduling.calendar_views import safe_next
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.forms import SlotSearchForm, monday_of
from klinika.scheduling.models import VisitType
from klinika.scheduling.slots import find_free_slots, local_date, offered_slot
from klinika.scheduling.views import permissions
from klinika.staff.models import Practitioner
from klinika.staff.services import get_practitioner

WEEK = datetime.timedelta(days=7)


def _grouped(slots, practitioners, url_for) -> list[dict]:
    days: dict[datetime.date, list] = {}
    for slot in slots:
        days.setdefault(local_date(slot.starts_at), []).append(
            {"slot": slot, "practitioner": practitioners[slot.practitioner_id], "url": url_for(slot)})
    return [{"date": day, "slots": items} for day, items in sorted(days.items())]


def _practitioners(slots) -> dict[int, Practitioner]:
    return {p.pk: p for p in Practitioner.objects.select_related("staff").prefetch_related("specialties").filter(
        pk__in={s.practitioner_id for s in slots})}


def _patient_param(request):
    """A patient chosen before the slot (booking from the patient card); only its id travels."""
    value = services.as_id(request.GET.get("patient", ""))
    return Patient.objects.filter(pk=value).first() if value > 0 else None


def _slot_results(request, form) -> dict:
    data = form.cleaned_data
    visit_type = VisitType.objects.get(pk=data["visit_type"])
    week = data["week"]
    slots = find_free_slots(visit_type=visit_type, specialty=data["specialty"] or None,
                            practitioner=data["practitioner"], date_from=week,
                            date_to=week + datetime.timedelta(days=6))
    patient = _patient_param(request)

    def confirm_url(slot):
        # the search itself travels as "back": the confirmation's Back returns to exactly these results
        params = {"practitioner": slot.practitioner_id, "visit_type": visit_type.pk,
                  "starts_at": slot.local_start.isoformat(), "back": week_url(week)}
        if patient is not None:
            params["patient"] = patient.pk
        return f"{reverse('scheduling:book-confirm')}?{urlencode(params)}"

    def week_url(monday):
        params = {k: v for k, v in request.GET.items() if k != "week"} | {"week": monday.isoformat()}
        return f"{reverse('scheduling:book')}?{urlencode(params)}"

    return {"days": _grouped(slots, _practitioners(slots), confirm_url), "visit_type": visit_type, "week": week,
            "week_end": week + datetime.timedelta(days=6), "previous_week": week_url(week - WEEK),
            "next_week": week_url(week + WEEK), "searched": True}


def book(request):
    require(request.user, "schedule.book")
    # Opened from the patient card only the patient is given: an empty form, not a list of errors.
    searched = any(name in request.GET for name in SlotSearchForm.base_fields)
    form = SlotSearchForm(request.GET if searched else None, user=request.user)
    patient = _patient_param(request)
    context = {"form": form, "patient": patient, "may": permissions(request.user),
               "day_url": reverse("scheduling:day") + (f"?{urlencode({'patient': patient.pk})}" if patient else "")}
    if form.is_bound and form.is_valid():
        context |= _slot_results(request, form)
    if request.htmx:
        # htmx swaps only 2xx answers: the fragment with the form's errors must arrive as one
        return render(request, "scheduling/_slots.html", context)
    return render(request, "scheduling/book.html", context,
                  status=400 if form.is_bound and not form.is_valid() else 200)


def _chosen_slot(request, source):
    """(practitioner, visit type, start) named by the request; 404 for ids of another clinic."""
    practitioner = get_practitioner(request.user, source.get("practitioner"))
    visit_type = get_object_or_404(VisitType.objects, pk=services.as_id(source.get("visit_type")))
    starts_at = services.parse_moment(source.get("starts_at", ""))
    return practitioner, visit_type, starts_at


def book_confirm(request):
    require(request.user, "schedule.book")
    source = request.POST if request.method == "POST" else request.GET
    try:
        practitioner, visit_type, starts_at = _chosen_slot(request, source)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scheduling:book")
    context = {"practitioner": practitioner, "visit_type": visit_type, "starts_at": starts_at,
               "query": request.GET.get("q", ""), "reason": source.get("reason", ""), "back": source.get("back", "")}
    status = 200
    if request.method == "POST":
        try:
            appointment = services.book(request.user, patient=request.POST.get("patient"), practitioner=practitioner,
                                        visit_type=visit_type, starts_at=starts_at,
                                        reason=request.POST.get("reason", ""))
        except SlotTaken as exc:
            context["error"], status = exc.messages[0], 409
            context["taken"] = True
        except ValidationError as exc:
            context["error"], status = " ".join(exc.messages), 400
        else:
            messages.success(request, _("The visit is booked."))
            return redirect("scheduling:appointment", appointment.pk)
    elif offered_slot(practitioner=practitioner, visit_type=visit_type, starts_at=starts_at) is None:
        context["error"], context["taken"] = _("This time is no longer free. Choose another slot."), True
    chosen = _patient_param(request) if request.method == "GET" else None
    if request.method == "POST" and services.as_id(request.POST.get("patient")) > 0:
        chosen = Patient.objects.filter(pk=services.as_id(request.POST.get("patient"))).first()
    context["chosen_patient"] = chosen
    context |= patient_search_context(request, context["query"])
    fallback = {"visit_type": visit_type.pk, "week": monday_of(local_date(starts_at))}
    if chosen is not None:
        fallback["patient"] = chosen.pk
    context["back_url"] = safe_next(request, context["back"], f"{reverse('scheduling:book')}?{urlencode(fallback)}")
    return render(request, "scheduling/book_confirm.html", context, status=status)


def patient_search_context(request, query) -> dict:
    from klinika.patients.services import search_patients

    if not query.strip() or not can(request.user, "patients.search"):
        return {"patients": [], "searched_patients": False}
    result = search_patients(request.user, query)
    return {"patients": [hit.patient for hit in result.hits], "searched_patients": True, "search_hint": result.hint}


def book_patients(request):
    """htmx: patients matching the search box, as choices for the booking form."""
    require(request.user, "schedule.book")
    form_id = "waitlist-form" if request.GET.get("form_id") == "waitlist-form" else "book-form"
    response = render(request, "scheduling/_patient_choices.html",
                      patient_search_context(request, request.GET.get("q", "")) | {"form_id": form_id})
    if request.htmx and form_id == "book-form" and request.GET.get("starts_at"):
        # the address bar shows the confirmation with the search typed, so "back" (and reload) keep it
        keep = ("practitioner", "visit_type", "starts_at", "q", "back")
        response["HX-Push-Url"] = f"{reverse('scheduling:book-confirm')}?" + urlencode(
            {k: request.GET[k] for k in keep if request.GET.get(k)})
    return response


def reschedule(request, appointment_id):
    require(request.user, "schedule.book")
    appointment = services.get_appointment(request.user, appointment_id)
    error, status = None, 200
    if request.method == "POST":
        practitioner_id, _sep, starts_at = request.POST.get("slot", "").partition("|")
        try:
            new = services.reschedule(request.user, appointment.pk, starts_at=starts_at or "",
                                      practitioner=practitioner_id or appointment.practitioner_id)
        except SlotTaken as exc:
            error, status = exc.messages[0], 409
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
        else:
            messages.success(request, _("The visit is moved."))
            return redirect("scheduling:appointment", new.pk)
    week = monday_of(day_param(request.GET.get("week", ""), default=local_date(appointment.starts_at)))
    practitioner = appointment.practitioner
    if request.GET.get("practitioner"):
        practitioner = get_practitioner(request.user, request.GET["practitioner"])
    slots = find_free_slots(visit_type=appointment.visit_type, practitioner=practitioner, date_from=week,
                            date_to=week + datetime.timedelta(days=6))
    same_specialty = Practitioner.objects.select_related("staff").filter(
        is_active=True, specialties__in=appointment.practitioner.specialties.all()).distinct()
    choices = sorted({appointment.practitioner, *same_specialty}, key=lambda p: str(p.staff.last_name))
    return render(request, "scheduling/reschedule.html", {
        "appointment": appointment, "days": _grouped(slots, _practitioners(slots), lambda slot: None),
        "week": week, "previous_week": week - WEEK, "next_week": week + WEEK, "practitioner": practitioner,
        "practitioners": choices, "error": error, "may": permissions(request.user)}, status=status)
