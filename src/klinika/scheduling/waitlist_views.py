from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinika.accounts.policy import require
from klinika.patients.models import Patient
from klinika.scheduling import services
from klinika.scheduling.booking_views import patient_search_context
from klinika.scheduling.forms import WaitlistForm
from klinika.scheduling.services import waitlist
from klinika.scheduling.views import permissions
from klinika.staff.forms import add_service_errors


def waitlist_page(request):
    require(request.user, "schedule.book")
    form = WaitlistForm(request.POST or None, user=request.user, initial=request.GET.dict())
    status = 200
    chosen = None
    if request.method == "POST":
        chosen = Patient.objects.filter(pk=services.as_id(request.POST.get("patient"))).first()
        if form.is_valid():
            data = form.cleaned_data
            try:
                waitlist.add_to_waitlist(request.user, patient=request.POST.get("patient"),
                                         visit_type=data["visit_type"], earliest=data["earliest"],
                                         latest=data["latest"], practitioner=data["practitioner"],
                                         specialty=data["specialty"] or None)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The patient is on the waitlist."))
                return redirect("scheduling:waitlist")
        status = 400
    context = {"form": form, "entries": waitlist.waitlist_entries(request.user), "chosen_patient": chosen,
               "query": request.GET.get("q", ""), "may": permissions(request.user)}
    context |= patient_search_context(request, context["query"])
    return render(request, "scheduling/waitlist.html", context, status=status)


def _entry_action(operation, done_message):
    @require_POST
    def view(request, entry_id):
        try:
            result = operation(request.user, entry_id)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done_message())
            if operation is waitlist.accept_offer:
                return redirect("scheduling:appointment", result.pk)
        return redirect("scheduling:waitlist")

    return view


accept = _entry_action(waitlist.accept_offer, lambda: _("The offered slot is booked."))
decline = _entry_action(waitlist.decline_offer, lambda: _("The offer is declined; the patient keeps waiting."))
withdraw = _entry_action(waitlist.withdraw, lambda: _("The patient is off the waitlist."))
