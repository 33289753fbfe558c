"""The DPO's incident screens: the list with the 72-hour clocks, an incident's scope, severity, reports
and notice progress. The clinic admin sees the same, read-only and without the list of people.

Incidents are looked up in the user's clinic only (the clinic-scoped manager): another clinic's id
answers 404. Vendor-wide cases are handled with the CLI; here each clinic sees its own incident of it.
"""
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from klinika.accounts.policy import can, require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.breach import categories as cat
from klinika.breach import deadlines, report, services, severity
from klinika.breach import scope as scoping
from klinika.breach.models import AffectedPerson, DetectedBy, Incident, Notice
from klinika.crypto import keystore
from klinika.patients.models import Patient

PEOPLE_SHOWN = 200


class ReportedForm(forms.Form):
    reported_at = forms.DateTimeField(label=gettext_lazy("Reported to the authority at"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    delay_reason = forms.CharField(label=gettext_lazy("Reasons for the delay (after 72 hours)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _incident(request, public_id) -> Incident:
    require(request.user, "breach.view")
    incident = Incident.objects.filter(public_id=public_id).first()
    if incident is None:
        raise Http404
    return incident


def incident_list(request):
    require(request.user, "breach.view")
    now = timezone.now()
    rows = [{"incident": i, "clock": deadlines.clock(i, now), "delay_missing": deadlines.delay_reason_missing(i, now)}
            for i in Incident.objects.order_by("-detected_at")]
    return render(request, "breach/list.html", {"rows": rows})


def _scope_rows(data: dict) -> list[dict]:
    return [{"label": cat.label(code), **counts} for code, counts in data.get("categories", {}).items()]


def _severity_rows(data: dict) -> list[dict]:
    return [{"name": name, "value": data[name]["value"],
             "reasons": [severity.reason_text(code) for code in data[name]["reasons"]]}
            for name in ("dpc", "ei", "cb")] if data else []


def _people(request, incident) -> list[dict]:
    """The people concerned, named from the live registry: the DPO only, and audited as a read."""
    if not can(request.user, "breach.manage"):
        return []
    affected = list(AffectedPerson.objects.filter(incident=incident, kind=AffectedPerson.Kind.PATIENT)
                    .order_by("pk")[:PEOPLE_SHOWN])
    keystore.load_subject_keys(incident.clinic_id, [a.subject_ref for a in affected])
    patients = Patient.objects.in_bulk([a.patient_id for a in affected if a.patient_id])
    record(Action.READ, object_type="breach-affected-list", object_id=incident.public_id,
           reason=f"the DPO's list of people concerned ({len(affected)} shown)")
    return [{"affected": a, "patient": patients.get(a.patient_id),
             "categories": [cat.label(c) for c in a.categories]} for a in affected]


def incident_detail(request, public_id):
    incident = _incident(request, public_id)
    data = incident.scope or {}
    return render(request, "breach/detail.html", {
        "incident": incident, "clock": deadlines.clock(incident),
        "delay_missing": deadlines.delay_reason_missing(incident), "scope": data,
        "scope_rows": _scope_rows(data), "reasons": [scoping.reason_text(r) for r in data.get("reasons", [])],
        "severity": incident.severity, "severity_rows": _severity_rows(incident.severity),
        "level_label": severity.LEVEL_LABELS.get((incident.severity or {}).get("level"), ""),
        "progress": services.progress_counts(incident), "people": _people(request, incident),
        "can_manage": can(request.user, "breach.manage"), "is_vendor": incident.detected_by == DetectedBy.VENDOR,
        "reported_form": ReportedForm(), "statuses": Notice.Status,
    })


def notice_progress(request, public_id):
    """The progress fragment the detail page polls while notices go out."""
    incident = _incident(request, public_id)
    return render(request, "breach/_progress.html", {"incident": incident,
                                                     "progress": services.progress_counts(incident)})


def download(request, public_id, kind, fmt):
    incident = _incident(request, public_id)
    if kind not in report.KINDS or fmt not in ("pdf", "json") or not incident.scope:
        raise Http404
    if kind == "processor" and incident.detected_by != DetectedBy.VENDOR:
        raise Http404
    data = report.build(incident, kind)
    record(Action.EXPORT, object_type="breach-report", object_id=incident.public_id, reason=f"{kind} {fmt}")
    if fmt == "json":
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    else:
        response = HttpResponse(report.render_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(data, fmt)}"'
    return response


@require_POST
def rescope(request, public_id):
    incident = _incident(request, public_id)
    require(request.user, "breach.manage", incident)
    services.scope_incident(incident, user=request.user)
    messages.success(request, _("The scope and the severity were worked out again."))
    return redirect("breach:incident", public_id=incident.public_id)


@require_POST
def mark_reported(request, public_id):
    incident = _incident(request, public_id)
    require(request.user, "breach.manage", incident)
    form = ReportedForm(request.POST)
    if form.is_valid():
        try:
            services.record_report(incident, reported_at=form.cleaned_data["reported_at"],
                                   delay_reason=form.cleaned_data["delay_reason"], user=request.user)
            messages.success(request, _("The notification to the authority was recorded."))
            return redirect("breach:incident", public_id=incident.public_id)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    else:
        messages.error(request, _("Give the date and time the notification was made."))
    return redirect("breach:incident", public_id=incident.public_id)
