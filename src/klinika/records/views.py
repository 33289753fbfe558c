"""The doctor's visit screen, the nurse's measurements, the patient's clinical chart.

Every read and write goes through records.services (and attachments, summary, codes). What a
role may not see is not rendered: a registrar gets 403 on every page here; a nurse sees the
measurements, allergies and attachments, not the visit's content.
"""
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinika.accounts.policy import can, require
from klinika.crypto.errors import KeyDestroyed
from klinika.records import services
from klinika.records.forms import AllergyForm, AmendReasonForm, AttachmentForm, VitalsForm
from klinika.records.models import Encounter
from klinika.records.services import attachments, codes
from klinika.records.summary import RECENT_ATTACHMENTS, patient_summary
from klinika.records.visitform import VisitForm


def _roles(user) -> dict:
    return {name: can(user, f"records.{name}") for name in ("write", "vitals", "allergies", "attach")}


def _vitals_block(user, patient, *, encounter=None, form=None, correcting=None) -> dict:
    _patient, rows = services.current_vitals(user, patient.pk)
    if form is None:
        initial = {k: v for k, v in (correcting.values if correcting else {}).items() if k != "bmi"}
        form = VitalsForm(initial=initial, show_pregnancy=patient.sex == "F")
    return {"vitals_rows": rows, "vitals_form": form, "vitals_encounter": encounter, "correcting": correcting}


def _record_cards(user, patient, summary=None) -> dict:
    """Allergies and attachments: doctors and nurses both see and add them. A doctor's page takes
    them from the summary it already read."""
    if summary is not None:
        allergies, files = summary.allergies, summary.attachments
    else:
        _p, allergies = services.active_allergies(user, patient.pk)
        _p, files = attachments.patient_attachments(user, patient.pk)
    return {"allergies": allergies, "allergy_form": AllergyForm(), "attachment_list": files,
            "attachment_form": AttachmentForm()}


# ---- the visit screen ------------------------------------------------------------------------

def _encounter_context(request, encounter, *, visit_form=None, vitals_form=None, status_message=None):
    user = request.user
    roles = _roles(user)
    context = {"encounter": encounter, "patient": encounter.patient, "may": roles}
    if roles["write"]:
        own = encounter.practitioner.staff.user_id == user.pk
        summary = patient_summary(user, encounter.patient_id)
        context.update({
            "summary": summary,
            "visit_form": visit_form or VisitForm.from_content(encounter.current.content),
            "editable": own and encounter.status == Encounter.Status.DRAFT,
            "own": own,
            **_record_cards(user, encounter.patient, summary),
        })
    if roles["vitals"]:
        context.update(_vitals_block(user, encounter.patient, encounter=encounter, form=vitals_form))
    return context


@require_GET
def encounter_page(request, encounter_id):
    require(request.user, "records.view_clinical")
    encounter = services.get_encounter(request.user, encounter_id)
    return render(request, "records/encounter.html", _encounter_context(request, encounter))


@require_POST
def encounter_save(request, encounter_id):
    """Save draft, or save and sign (the button pressed says which)."""
    require(request.user, "records.write")
    form = VisitForm.from_post(request.POST)
    signing = request.POST.get("action") == "sign"
    try:
        if signing:
            services.sign(request.user, encounter_id, form.data())
        else:
            services.save_draft(request.user, encounter_id, form.data())
    except ValidationError as exc:
        form.errors = _error_dict(exc)
        encounter = services.get_encounter(request.user, encounter_id)
        return render(request, "records/encounter.html", _encounter_context(request, encounter, visit_form=form),
                      status=400)
    messages.success(request, _("The visit is signed.") if signing else _("Draft saved."))
    return redirect("records:encounter", encounter_id=encounter_id)


@require_POST
def encounter_autosave(request, encounter_id):
    """The visit screen's automatic draft save (static/records/visit.js). It answers JSON, so the
    screen says "draft saved" only once the server has stored it, and "not saved" with the reason
    otherwise. The same policy as "Save draft": another clinic's visit is 404, a role that may not
    write visits or a doctor who is not the visit's own gets 403."""
    try:
        require(request.user, "records.write")
        form = VisitForm.from_post(request.POST)
        _encounter, changed = services.autosave_draft(request.user, encounter_id, form.data())
    except PermissionDenied as exc:
        return JsonResponse({"saved": False, "message": str(exc) or _("You may not edit this visit.")}, status=403)
    except ValidationError as exc:
        return JsonResponse({"saved": False, "message": " ".join(exc.messages)}, status=400)
    at = timezone.localtime()
    return JsonResponse({"saved": True, "changed": changed, "at": at.isoformat(timespec="seconds"),
                         "message": _("Draft saved at %(time)s") % {"time": formats.time_format(at)}})


def _error_dict(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


@require_http_methods(["GET", "POST"])
def encounter_amend(request, encounter_id):
    require(request.user, "records.write")
    services.practitioner_of(request.user)
    encounter = services.get_encounter(request.user, encounter_id)
    if encounter.status != Encounter.Status.SIGNED:
        return redirect("records:encounter", encounter_id=encounter.pk)
    if request.method == "GET":
        form, reason_form = VisitForm.from_content(encounter.current.content), AmendReasonForm()
        return render(request, "records/amend.html", {"encounter": encounter, "patient": encounter.patient,
                                                      "visit_form": form, "reason_form": reason_form})
    form, reason_form = VisitForm.from_post(request.POST), AmendReasonForm(request.POST)
    reason_form.is_valid()
    try:
        version = services.amend(request.user, encounter.pk, form.data(), request.POST.get("reason", ""))
    except ValidationError as exc:
        errors = _error_dict(exc)
        form.errors = {k: v for k, v in errors.items() if k != "reason"}
        for message in errors.get("reason", []):
            reason_form.add_error("reason", message)
        return render(request, "records/amend.html", {"encounter": encounter, "patient": encounter.patient,
                                                      "visit_form": form, "reason_form": reason_form}, status=400)
    messages.success(request, _("Amendment saved as version %(number)d.") % {"number": version.number})
    return redirect("records:encounter", encounter_id=encounter.pk)


@require_GET
def encounter_versions(request, encounter_id):
    require(request.user, "records.write")
    encounter, versions = services.encounter_versions(request.user, encounter_id)
    return render(request, "records/versions.html", {"encounter": encounter, "patient": encounter.patient,
                                                     "versions": list(reversed(versions))})


@require_POST
def start_from_appointment(request, appointment_id):
    """The button on an appointment: opens its visit (creating it the first time)."""
    try:
        encounter = services.start_encounter(request.user, appointment_id)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("scheduling:appointment", appointment_id=services.as_pk(appointment_id))
    return redirect("records:encounter", encounter_id=encounter.pk)


@require_POST
def start_unplanned(request, patient_id):
    try:
        encounter = services.start_encounter(request.user, patient_id=patient_id)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("records:patient", patient_id=services.as_pk(patient_id))
    return redirect("records:encounter", encounter_id=encounter.pk)


# ---- the patient's chart ---------------------------------------------------------------------

@require_GET
def patient_page(request, patient_id):
    require(request.user, "records.view_clinical")
    user = request.user
    patient = services.get_patient(user, patient_id)
    context = {"patient": patient, "may": _roles(user)}
    if can(user, "records.write"):
        context["summary"] = patient_summary(user, patient.pk, recent=50)
    context.update(_record_cards(user, patient, context.get("summary")))
    if "summary" in context:  # the summary lists the newest few files; this page lists them all
        context["attachment_list"] = attachments.patient_attachments(user, patient.pk)[1]
    return render(request, "records/patient.html", context)


def _back(request, patient):
    encounter_id = request.POST.get("encounter") or ""
    if encounter_id.isdigit():
        return redirect("records:encounter", encounter_id=int(encounter_id))
    return redirect("records:patient", patient_id=patient.pk)


def _visit_card(request) -> dict | None:
    """{"pk": visit id} when an htmx request comes from a card of the visit screen: that card alone
    is answered (htmx swaps it), so the notes being typed on the screen are never reloaded. htmx
    swaps only 2xx answers, so a refusal comes back as 200 with its message in the card."""
    encounter_id = request.POST.get("encounter") or ""
    if getattr(request, "htmx", False) and encounter_id.isdigit():
        return {"pk": int(encounter_id)}
    return None


def _vitals_card(request, patient, *, form=None, notice=None):
    user = request.user
    block = _vitals_block(user, patient, encounter=_visit_card(request), form=form)
    rows = block["vitals_rows"]
    return render(request, "records/_vitals_card.html", {
        "patient": patient, "may": _roles(user), "vitals_notice": notice, **block,
        # The summary beside it shows the latest measurements too (doctors only).
        "summary_vitals": can(user, "records.write"), "latest": rows[0] if rows else None})


def _allergies_card(request, patient, *, form=None, notice=None, errors=()):
    user = request.user
    _p, allergies = services.active_allergies(user, patient.pk)
    return render(request, "records/_allergies.html", {
        "patient": patient, "encounter": _visit_card(request), "may": _roles(user), "allergies": allergies,
        "allergy_form": form or AllergyForm(), "allergy_notice": notice, "allergy_errors": list(errors)})


@require_http_methods(["GET", "POST"])
def vitals_page(request, patient_id):
    """The nurse's station: measure, record, correct."""
    user = request.user
    require(user, "records.vitals")
    patient = services.get_patient(user, patient_id, action="records.vitals")
    correcting = None
    if request.method == "GET":
        if request.GET.get("correct", "").isdigit():
            correcting = services.vitals_row(user, patient, request.GET["correct"])
        return render(request, "records/vitals.html", {"patient": patient, "may": _roles(user),
                                                       **_vitals_block(user, patient, correcting=correcting)})
    form = VitalsForm(request.POST, show_pregnancy=patient.sex == "F")
    form.is_valid()
    try:
        services.record_vitals(user, patient.pk, form.values(), encounter_id=request.POST.get("encounter") or None,
                               supersedes_id=request.POST.get("supersedes") or None)
    except ValidationError as exc:
        form.add_service_errors(exc)
        if _visit_card(request):
            return _vitals_card(request, patient, form=form)
        encounter_id = request.POST.get("encounter") or ""
        if encounter_id.isdigit():
            encounter = services.get_encounter(user, encounter_id)
            return render(request, "records/encounter.html",
                          _encounter_context(request, encounter, vitals_form=form), status=400)
        if (request.POST.get("supersedes") or "").isdigit():
            correcting = services.vitals_row(user, patient, request.POST["supersedes"])
        return render(request, "records/vitals.html", {
            "patient": patient, "may": _roles(user),
            **_vitals_block(user, patient, form=form, correcting=correcting)}, status=400)
    if _visit_card(request):
        return _vitals_card(request, patient, notice=_("Measurements recorded."))
    messages.success(request, _("Measurements recorded."))
    if request.POST.get("encounter"):
        return _back(request, patient)
    return redirect("records:vitals", patient_id=patient.pk)


@require_POST
def allergy_add(request, patient_id):
    require(request.user, "records.allergies")
    form = AllergyForm(request.POST)
    form.is_valid()
    patient = services.get_patient(request.user, patient_id)
    try:
        services.add_allergy(request.user, patient.pk, substance=request.POST.get("substance", ""),
                             reaction=request.POST.get("reaction", ""), severity=request.POST.get("severity", ""))
    except ValidationError as exc:
        if _visit_card(request):
            return _allergies_card(request, patient, form=form, errors=exc.messages)
        for message in exc.messages:
            messages.error(request, message)
    else:
        if _visit_card(request):
            return _allergies_card(request, patient, notice=_("Allergy recorded."))
        messages.success(request, _("Allergy recorded."))
    return _back(request, patient)


@require_POST
def allergy_deactivate(request, allergy_id):
    allergy = services.deactivate_allergy(request.user, allergy_id)
    if _visit_card(request):
        return _allergies_card(request, allergy.patient, notice=_("The allergy is no longer listed as active."))
    messages.success(request, _("The allergy is no longer listed as active."))
    return _back(request, allergy.patient)


# ---- attachments -----------------------------------------------------------------------------

@require_POST
def attachment_upload(request, patient_id):
    """The file arrives through settings.FILE_UPLOAD_HANDLERS: in memory only, bounded by the size limit."""
    require(request.user, "records.attach")
    patient = services.get_patient(request.user, patient_id)
    try:
        attachments.upload(request.user, patient.pk, request.FILES.get("file"),
                           kind=request.POST.get("kind", ""), description=request.POST.get("description", ""),
                           encounter_id=request.POST.get("encounter") or None)
    except ValidationError as exc:
        if _visit_card(request):
            return _attachments_card(request, patient, errors=exc.messages)
        for message in exc.messages:
            messages.error(request, message)
    else:
        if _visit_card(request):
            return _attachments_card(request, patient, notice=_("File attached."))
        messages.success(request, _("File attached."))
    return _back(request, patient)


def _attachments_card(request, patient, *, notice=None, errors=()):
    """The visit screen's card: the newest few files, as the summary lists them."""
    user = request.user
    _p, files = attachments.patient_attachments(user, patient.pk, limit=RECENT_ATTACHMENTS)
    return render(request, "records/_attachments.html", {
        "patient": patient, "encounter": _visit_card(request), "may": _roles(user), "attachment_list": files,
        "attachment_form": AttachmentForm(request.POST if errors else None), "attachment_notice": notice,
        "attachment_errors": list(errors)})


@require_GET
def attachment_download(request, public_id):
    try:
        download = attachments.download(request.user, public_id)
    except KeyDestroyed:
        return HttpResponse(_("This file was erased together with the patient's keys."), status=410,
                            content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(download.chunks, content_type=download.attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, download.filename)
    response["Content-Length"] = str(download.attachment.size)
    response["Cache-Control"] = "no-store"
    return response


# ---- ICD-10 / ICD-9-PL type-ahead (htmx) -----------------------------------------------------
# POST, so what a doctor types next to a patient's visit never lands in a URL or an access log.

TARGETS = {codes.ICD10: "diagnosis", codes.ICD9PL: "procedure"}


@require_POST
def code_search(request):
    require(request.user, "records.view_clinical")
    system = request.POST.get("system", "")
    if system not in TARGETS:
        return HttpResponse(status=400)
    query = request.POST.get(f"{system}_q") or request.POST.get("q", "")
    results = codes.search(system, query)
    return render(request, "records/_code_results.html", {
        "system": system, "query": query.strip(), "results": [
            {"code": c.code, "name": c.name, "vals": json.dumps({"system": system, "code": c.code})}
            for c in results]})


@require_POST
def code_row(request):
    """One row for the visit form: a diagnosis (the first one becomes the main one) or a procedure."""
    require(request.user, "records.view_clinical")
    system = request.POST.get("system", "")
    if system not in TARGETS:
        return HttpResponse(status=400)
    found = codes.lookup(system, [request.POST.get("code", "")])
    present = request.POST.getlist(f"{TARGETS[system]}_code")
    code = next(iter(found.values()), None)
    row = code and {"code": code.code, "name": code.name, "main": system == codes.ICD10 and not present}
    return render(request, "records/_code_row_added.html", {
        "system": system, "row": row, "already": code is not None and code.code in present})


@require_GET
def nothing(request):
    """An empty answer: htmx removes a row of the visit form with it (hx-swap="delete")."""
    return HttpResponse("")
