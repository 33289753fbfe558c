"""The registration desk's pages. Every read and write goes through patients.services.

Search text travels in POST bodies only: a PESEL or surname in a URL would end up in
browser history, proxy and server logs.
"""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klinika.accounts.policy import can, require
from klinika.patients import services, validators
from klinika.patients.cleaning import clean_patient_data
from klinika.patients.forms import PatientEditForm, PatientForm, SearchForm
from klinika.patients.models import SHARED_PESEL_CHOICES


def _search(request, query, *, live=False):
    if live and len(query) < services.MIN_LIVE_QUERY:
        return None
    return services.search_patients(request.user, query)


@require_http_methods(["GET", "POST"])
def search_page(request):
    require(request.user, "patients.search")
    form = SearchForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = _search(request, form.cleaned_data["q"])
    return render(request, "patients/search.html", {
        "form": form, "result": result, "can_register": can(request.user, "patients.register")})


@require_POST
def search_results(request):
    """The results fragment htmx swaps in as the user types (from 3 characters) or submits."""
    require(request.user, "patients.search")
    form = SearchForm(request.POST)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    result = _search(request, query, live=request.POST.get("live") == "1")
    return render(request, "patients/_results.html", {"result": result, "query_too_short": result is None,
                                                      "can_register": can(request.user, "patients.register")})


def _register_context(request, form, duplicates=None, guardian=None):
    return {"form": form, "duplicates": duplicates or [], "guardian": guardian}


def _pesel_taken_context(request, taken: services.PeselTaken) -> dict:
    """The duplicate screen: who has the PESEL (if this user may see patients), open or merge."""
    user = request.user
    holder = taken.holder if can(user, "patients.view_demographics", taken.holder) else None
    return {"pesel_taken": True, "pesel_holder": holder, "can_merge": can(user, "patients.merge"),
            "can_share_pesel": can(user, "patients.share_pesel"),
            "shared_pesel_choices": [(c.value, c.label) for c in SHARED_PESEL_CHOICES]}


# What a search that found nobody hands to the register form. The search page posts them
# (`_prefill=1`, so they stay out of URLs and logs); a GET with them works too (register?last_name=…).
PREFILL = ("last_name", "first_name", "pesel", "phone", "email", "document_number", "birth_date")


def _prefill(values) -> dict:
    return {name: values.get(name, "")[:200] for name in PREFILL if values.get(name)}


@require_http_methods(["GET", "POST"])
def register(request):
    require(request.user, "patients.register")
    guardian = None
    guardian_id = request.POST.get("guardian_id") or request.GET.get("guardian")
    if guardian_id and guardian_id.isdigit():
        try:
            guardian = services.get_patient(request.user, guardian_id)
        except Http404:
            if request.method == "GET":
                raise
            # A posted id that is no patient of ours: the service names the problem next to the field.
    prefilling = request.method == "POST" and request.POST.get("_prefill") == "1"
    if request.method == "GET" or prefilling:
        form = PatientForm(initial={"guardian_id": guardian.pk if guardian else "", "document_country": "PL",
                                    "country": "PL"} | _prefill(request.POST if prefilling else request.GET))
        return render(request, "patients/register.html", _register_context(request, form, guardian=guardian))
    form = PatientForm(request.POST)
    form.is_valid()  # every field is optional text: this only collects the values
    try:
        patient = services.register_patient(request.user, form.service_data(),
                                            confirm_duplicates=request.POST.get("confirm_duplicates") == "1",
                                            shared_pesel=request.POST.get("shared_pesel", ""))
    except services.PeselTaken as taken:
        form.add_service_errors(taken)
        return render(request, "patients/register.html",
                      _register_context(request, form, guardian=guardian) | _pesel_taken_context(request, taken),
                      status=409)
    except services.PossibleDuplicates as found:
        return render(request, "patients/register.html",
                      _register_context(request, form, found.patients, guardian), status=409)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return render(request, "patients/register.html", _register_context(request, form, guardian=guardian),
                      status=400)
    messages.success(request, _("Patient registered."))
    return redirect("patients:card", pk=patient.pk)


@require_POST
def validate_field(request):
    """One field's error slot (and, for a valid PESEL, the birth date and sex it gives)."""
    if not (can(request.user, "patients.register") or can(request.user, "patients.edit")):
        require(request.user, "patients.register")
    name = request.headers.get("HX-Trigger-Name") or request.POST.get("_field", "")
    form_class = PatientEditForm if "identifier_reason" in request.POST else PatientForm
    form = form_class(request.POST)
    form.is_valid()
    if name not in form.fields:
        name = ""
    data = form.service_data()
    message, oob = "", []
    try:
        clean_patient_data(data)
    except ValidationError as exc:
        message = " ".join(exc.message_dict.get(name, []))
    if name == "pesel" and not message and data.get("pesel") and not data.get("pesel_is_mothers"):
        pesel = validators.clean_pesel(data["pesel"])
        filled = form_class(initial={"birth_date": validators.pesel_birth_date(pesel).isoformat(),
                                     "sex": validators.pesel_sex(pesel)})
        # Out-of-band swaps: htmx puts these in place of the inputs with the same ids.
        oob = [filled[field].as_widget(attrs={"hx-swap-oob": "true"}) for field in ("birth_date", "sex")]
    return render(request, "patients/_field_error.html", {"name": name, "message": message, "oob": oob})


def card(request, pk):
    info = services.patient_card(request.user, pk)
    user = request.user
    return render(request, "patients/card.html", {
        "card": info, "patient": info.patient,
        "can_edit": can(user, "patients.edit") and info.patient.is_active,
        "can_merge": can(user, "patients.merge") and info.patient.is_active,
        "merge_admin": can(user, "patients.merge"),
        "can_register": can(user, "patients.register") and info.patient.is_active,
        "can_view_schedule": can(user, "schedule.view"),
    })


@require_http_methods(["GET", "POST"])
def edit(request, pk):
    require(request.user, "patients.edit")
    patient = services.get_patient(request.user, pk)
    guardian = services.get_patient(request.user, patient.guardian_id) if patient.guardian_id else None
    context = {"patient": patient, "guardian": guardian}
    if not patient.is_active:
        messages.error(request, _("This record was merged into another one: correct that one instead."))
        return redirect("patients:card", pk=patient.pk)
    if request.method == "GET":
        form = PatientEditForm(initial=PatientEditForm.initial_from(services.patient_values(patient)))
        return render(request, "patients/edit.html", context | {"form": form})
    form = PatientEditForm(request.POST)
    form.is_valid()
    data = form.service_data()
    reason = data.pop("identifier_reason", "")
    try:
        services.update_patient(request.user, patient.pk, data, identifier_reason=reason)
    except services.PeselTaken as taken:
        form.add_service_errors(taken)
        return render(request, "patients/edit.html", context | {"form": form} | _pesel_taken_context(request, taken),
                      status=409)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return render(request, "patients/edit.html", context | {"form": form}, status=400)
    messages.success(request, _("Changes saved."))
    return redirect("patients:card", pk=patient.pk)
