"""The e-documents panel of the visit screen (htmx fragments) and the doctor's document actions.

Doctors only (policy edocs.issue): for anyone else the panel fragments are empty, so a visit
screen that loads them for every role shows nothing, and every action answers 403.
Without htmx the same URLs serve whole pages (the panel on its own page).
"""
from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinika.accounts.policy import can, require
from klinika.edocs import forms, rules, services, statuses
from klinika.edocs.models import DocKind, DocStatus, Drug


def _htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _panel_context(request, encounter_id, **extra):
    panel = services.encounter_panel(request.user, encounter_id)
    extra |= extra.pop("form_context", None) or {}
    return {"panel": panel, "encounter": panel.encounter, "patient": panel.patient, "DocStatus": DocStatus,
            "cancel_form": forms.CancelForm(), "ui_rows": forms.UI_ROWS, **extra}


def _respond(request, encounter_id, *, status=200, **extra):
    """The refreshed panel for htmx; the panel's page otherwise (a redirect after a successful POST)."""
    if _htmx(request):
        # htmx swaps only 2xx answers: a refused action comes back as 200 with its message in the panel.
        response = render(request, "edocs/_panel.html", _panel_context(request, encounter_id, **extra))
        # A form (in #edocs-form) that succeeded is replaced by the whole refreshed panel.
        response["HX-Retarget"] = "#edocs-panel"
        response["HX-Reswap"] = "outerHTML"
        return response
    if request.method == "POST" and status < 400:
        for text in filter(None, [extra.get("notice")]):
            messages.success(request, text)
        return redirect("edocs:encounter", encounter_id=encounter_id)
    return render(request, "edocs/encounter.html", _panel_context(request, encounter_id, **extra), status=status)


@require_GET
def encounter_page(request, encounter_id):
    require(request.user, "edocs.issue")
    return render(request, "edocs/encounter.html", _panel_context(request, encounter_id))


@require_GET
def panel(request, encounter_id):
    if not can(request.user, "edocs.issue"):
        return HttpResponse("")
    return render(request, "edocs/_panel.html", _panel_context(request, encounter_id))


# --- new documents ------------------------------------------------------------------------------

def _form_response(request, encounter, template, context, *, status=200):
    context = {"encounter": encounter, "ui_rows": forms.UI_ROWS, **context}
    if _htmx(request):
        return render(request, template, context)
    return _respond(request, encounter.pk, status=status, open_form=template, form_context=context)


@require_http_methods(["GET", "POST"])
def new_prescription(request, encounter_id):
    encounter = services.get_encounter(request.user, encounter_id)
    if request.method == "GET":
        return _form_response(request, encounter, "edocs/_prescription_form.html",
                              {"rows": forms.prescription_rows()})
    count = min(forms.rows_in(request.POST), forms.MAX_ROWS)
    rows = forms.prescription_rows(request.POST, count)
    for row in rows:
        row.is_valid()
    if "add_row" in request.POST:
        if count < forms.UI_ROWS:
            rows.append(forms.PrescriptionItemForm(prefix=f"rx-{count + 1}"))
        return _form_response(request, encounter, "edocs/_prescription_form.html", {"rows": rows})
    filled = [row for row in rows if not row.is_blank()]
    # Bound (to nothing), so it can carry the package's own errors (an unbound form cannot take any).
    package_form = django_forms.Form(data={})
    try:
        services.issue_prescriptions(request.user, encounter_id=encounter.pk,
                                     items=[row.service_data() for row in filled])
    except ValidationError as exc:
        package_form.is_valid()
        forms.add_package_errors(filled, package_form, exc)
        return _form_response(request, encounter, "edocs/_prescription_form.html",
                              {"rows": rows, "package_form": package_form}, status=400)
    return _respond(request, encounter.pk, notice=_("Prescriptions written. Check them and sign."))


def _referral_initial(encounter):
    return {"kind": "02.11", "icd10": services.main_diagnosis(encounter)}


@require_http_methods(["GET", "POST"])
def new_referral(request, encounter_id):
    return _single_form(request, encounter_id, forms.ReferralForm, "edocs/_referral_form.html", _referral_initial,
                        services.create_referral, _("Referral written. Check it and sign."))


def _single_form(request, encounter_id, form_class, template, initial, create, notice):
    """A document written from one form (referral, sick leave): show it, or create through the service."""
    encounter = services.get_encounter(request.user, encounter_id)
    if request.method == "GET":
        return _form_response(request, encounter, template, {"form": form_class(initial=initial(encounter))})
    form = form_class(request.POST)
    form.is_valid()
    try:
        create(request.user, encounter_id=encounter.pk, data=dict(form.cleaned_data))
    except ValidationError as exc:
        forms.add_service_errors(form, exc)
        return _form_response(request, encounter, template, {"form": form}, status=400)
    return _respond(request, encounter.pk, notice=notice)


def _sick_leave_initial(encounter, old=None):
    from django.utils import timezone

    if old is not None and isinstance(old.content, dict):
        c = old.content
        return {"date_from": c.get("from"), "date_to": c.get("to"), "icd10": c.get("icd10"),
                "letter_codes": c.get("letter_codes"), "omit_codes": c.get("omit_codes"),
                "indication": str(c.get("indication")), "payer_nip": c.get("payer_nip")}
    return {"date_from": timezone.localdate().isoformat(), "icd10": services.main_diagnosis(encounter),
            "indication": "2"}


@require_http_methods(["GET", "POST"])
def new_sick_leave(request, encounter_id):
    return _single_form(request, encounter_id, forms.SickLeaveForm, "edocs/_sick_leave_form.html",
                        _sick_leave_initial, services.create_sick_leave, _("Sick leave written. Check it and sign."))


@require_http_methods(["GET", "POST"])
def reissue_sick_leave(request, document_id):
    unit = services.get_unit(request.user, DocKind.SICK_LEAVE, document_id)
    old = unit.first
    encounter_id = old.encounter_id
    context = {"old": old, "cancel_form": forms.CancelForm(request.POST or None)}
    if request.method == "GET":
        context["form"] = forms.SickLeaveForm(initial=_sick_leave_initial(None, old))
        return _reissue_response(request, encounter_id, context)
    form = forms.SickLeaveForm(request.POST)
    form.is_valid()
    context["form"] = form
    try:
        services.reissue_sick_leave(request.user, old.pk, data=dict(form.cleaned_data),
                                    reason=request.POST.get("reason") or "error")
    except ValidationError as exc:
        forms.add_service_errors(form, exc)
        return _reissue_response(request, encounter_id, context, status=400)
    return _after_action(request, encounter_id, _("The e-ZLA was cancelled and its corrected copy written; "
                                                  "check it and sign."))


def _reissue_response(request, encounter_id, context, status=200):
    if _htmx(request) or encounter_id is None:
        return render(request, "edocs/_reissue_form.html", context, status=200 if _htmx(request) else status)
    return _respond(request, encounter_id, status=status, open_form="edocs/_reissue_form.html",
                    form_context=context)


# --- actions on documents -----------------------------------------------------------------------

def _after_action(request, encounter_id, notice="", error=""):
    if encounter_id is None:
        # Written through the API, outside a visit: there is no panel to show.
        return HttpResponse(error or notice, status=400 if error else 200, content_type="text/plain; charset=utf-8")
    return _respond(request, encounter_id, status=400 if error else 200, notice=notice, error=error)


def _act(request, kind, unit_id, operation, notice):
    """Run `operation`; `notice` is the message, or a function of the operation's result that makes it."""
    kind = services.as_kind(kind)
    unit = services.get_unit(request.user, kind, unit_id)
    try:
        result = operation()
    except ValidationError as exc:
        return _after_action(request, unit.first.encounter_id, error=" ".join(exc.messages))
    return _after_action(request, unit.first.encounter_id, notice(kind, result) if callable(notice) else notice)


def _signed_notice(kind, documents) -> str:
    """Says what the platform did, not what was hoped: a queued submission is still waiting."""
    platform = statuses.platform_name(kind)
    present = {d.status for d in documents}
    if DocStatus.REJECTED in present:
        reason = next(d.last_error for d in documents if d.status == DocStatus.REJECTED)
        return _("Signed, but %(platform)s rejected the document: %(reason)s") % {"platform": platform,
                                                                                 "reason": reason}
    if present <= {DocStatus.SUBMITTED, DocStatus.CANCELLED} and DocStatus.SUBMITTED in present:
        return _("Signed and sent to %(platform)s; %(platform)s confirmed receipt.") % {"platform": platform}
    return _("Signed; waiting to be sent to %(platform)s. The status changes once %(platform)s confirms "
             "receipt.") % {"platform": platform}


def _resent_notice(kind, documents) -> str:
    platform = statuses.platform_name(kind)
    present = {d.status for d in documents}
    if DocStatus.REJECTED in present:
        reason = next(d.last_error for d in documents if d.status == DocStatus.REJECTED)
        return _("%(platform)s rejected the document: %(reason)s") % {"platform": platform, "reason": reason}
    if DocStatus.SUBMITTED in present and DocStatus.SIGNED not in present:
        return _("Sent to %(platform)s again; %(platform)s confirmed receipt.") % {"platform": platform}
    return _("Waiting to be sent to %(platform)s again. The status changes once %(platform)s confirms "
             "receipt.") % {"platform": platform}


@require_POST
def sign(request, kind, unit_id):
    return _act(request, kind, unit_id, lambda: services.sign(request.user, kind, unit_id), _signed_notice)


@require_POST
def submit(request, kind, unit_id):
    return _act(request, kind, unit_id, lambda: services.submit_again(request.user, kind, unit_id), _resent_notice)


@require_POST
def notify(request, kind, unit_id):
    return _act(request, kind, unit_id, lambda: services.resend_access_code(request.user, kind, unit_id),
                _("The access code was sent to the patient again."))


@require_POST
def cancel(request, kind, document_id):
    kind = services.as_kind(kind)
    model = services.MODELS[kind]
    unit_id = document_id
    if kind == DocKind.PRESCRIPTION:
        require(request.user, "edocs.issue")
        unit_id = get_object_or_404(model.objects, pk=services._pk(document_id)).package_id
    form = forms.CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, kind, unit_id, lambda: services.cancel_document(request.user, kind, document_id, reason),
                _("The document was cancelled."))


@require_GET
def printout(request, kind, unit_id):
    try:
        name, pdf = services.printout(request.user, kind, unit_id)
    except ValidationError as exc:
        unit = services.get_unit(request.user, kind, unit_id)
        return _after_action(request, unit.first.encounter_id, error=" ".join(exc.messages))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def history(request, kind, unit_id):
    events = services.history(request.user, kind, unit_id)
    return render(request, "edocs/_history.html", {"events": events})


@require_GET
def current(request, patient_id):
    if not can(request.user, "edocs.issue"):
        return HttpResponse("")
    patient, prescriptions = services.current_prescriptions(request.user, patient_id)
    rows = [{"rx": rx, "content": rx.content, "valid_until": rules.valid_until(rx.content)} for rx in prescriptions]
    return render(request, "edocs/_current.html", {"patient": patient, "rows": rows,
                                                   "heading": request.GET.get("heading") == "1"})


# --- type-ahead ---------------------------------------------------------------------------------

def _row_number(request) -> int:
    value = request.GET.get("row", "")
    return int(value) if value.isdigit() and 0 < int(value) <= forms.MAX_ROWS else 1


@require_GET
def drugs(request):
    """Suggestions for the drug field of row `row` (the built-in list: no personal data)."""
    n = _row_number(request)
    query = request.GET.get(f"rx-{n}-drug_name", request.GET.get("q", ""))
    found = services.search_drugs(request.user, query)
    return render(request, "edocs/_drug_suggestions.html", {"drugs": found, "n": n, "query": query})


@require_GET
def drug_row(request):
    """Row `row` of the prescription form with a built-in drug chosen (or cleared), keeping what was typed."""
    require(request.user, "edocs.issue")
    n = _row_number(request)
    data = request.GET.copy()
    prefix = f"rx-{n}"
    drug_id = request.GET.get("drug", "")
    drug = Drug.objects.filter(pk=int(drug_id)).first() if drug_id.isdigit() else None
    data[f"{prefix}-drug_id"] = str(drug.pk) if drug else ""
    if drug is not None:
        data[f"{prefix}-drug_name"] = drug.name
        if not data.get(f"{prefix}-validity_days"):
            category = ("antibiotic" if drug.is_antibiotic else "immunological" if drug.is_immunological else "")
            data[f"{prefix}-validity_days"] = str(rules.default_validity(category))
    row = forms.PrescriptionItemForm(data, prefix=prefix)
    row.is_valid()
    return render(request, "edocs/_rx_row.html", {"row": row, "n": n})


@require_GET
def codes(request):
    """ICD-10 suggestions for a referral or sick-leave form; choosing one fills the field."""
    field = request.GET.get("field", "icd10")
    field = field if field in {"icd10"} else "icd10"
    query = request.GET.get(field, request.GET.get("q", ""))
    found = services.search_codes(request.user, "icd10", _fold(query))
    return render(request, "edocs/_code_suggestions.html", {"codes": found, "field": field,
                                                            "pick_url": reverse("edocs:code-pick")})


@require_GET
def code_pick(request):
    require(request.user, "edocs.issue")
    code = request.GET.get("code", "")[:10]
    return render(request, "edocs/_code_input.html", {"value": code})


def _fold(text: str) -> str:
    import unicodedata

    text = str(text or "").lower().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
