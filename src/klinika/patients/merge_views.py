"""Merging duplicate records (clinic admins): choose the other record, then confirm or revert."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klinika.accounts.policy import require
from klinika.patients import services
from klinika.patients.cleaning import as_id
from klinika.patients.forms import SearchForm


def _candidates(request, patient, form):
    """Possible duplicates found by identifiers and name, plus what the admin searched for."""
    found = {p.pk: p for p in services.find_possible_duplicates(
        request.user, pesel=patient.pesel or "", last_name=patient.last_name, birth_date=patient.birth_date,
        pesel_is_mothers=patient.pesel_is_mothers, exclude=patient)}
    # The duplicate screen of a PESEL correction links here with the record that has that PESEL.
    other = as_id(request.GET.get("other"))
    if other is not None and other != patient.pk:
        try:
            chosen = services.get_patient(request.user, other)
        except Http404:
            chosen = None
        if chosen is not None and chosen.is_active:
            found.setdefault(chosen.pk, chosen)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["q"]:
        for hit in services.search_patients(request.user, form.cleaned_data["q"]).hits:
            if hit.patient.pk != patient.pk:
                found.setdefault(hit.patient.pk, hit.patient)
    return list(found.values())


@require_http_methods(["GET", "POST"])
def merge_page(request, pk):
    require(request.user, "patients.merge")
    patient = services.get_patient(request.user, pk)
    status = 200
    if request.method == "POST" and request.POST.get("other"):
        other = request.POST["other"]
        keep_this = request.POST.get("survivor", "this") == "this"
        try:
            if request.POST.get("survivor", "this") not in ("this", "other"):
                raise ValidationError(_("Choose which record to keep."))
            merge = services.merge_patients(request.user, *((patient.pk, other) if keep_this else (other, patient.pk)))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("Records merged. Check the result, then confirm or revert the merge."))
            return redirect("patients:card", pk=merge.survivor_id)
    form = SearchForm(request.POST if request.method == "POST" and "q" in request.POST else None)
    return render(request, "patients/merge.html", {
        "patient": patient, "form": form, "candidates": _candidates(request, patient, form) if patient.is_active
        else []}, status=status)


def merges(request):
    return render(request, "patients/merges.html", {"merges": services.pending_merges(request.user)})


@require_POST
def confirm(request, merge_id):
    return _decide(request, services.confirm_merge, merge_id, _("Merge confirmed."))


@require_POST
def revert(request, merge_id):
    return _decide(request, services.revert_merge, merge_id, _("Merge reverted: both records are back as they were."))


def _decide(request, operation, merge_id, done):
    try:
        operation(request.user, merge_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(request, "patients/merges.html", {"merges": services.pending_merges(request.user)},
                      status=400)
    messages.success(request, done)
    return redirect("patients:merges")
