"""The clinic admin's export screen: start a handover export, follow it, download its manifest."""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from klinika.accounts.policy import require
from klinika.lifecycle.handover import services
from klinika.lifecycle.handover.models import HandoverExport


class ExportForm(forms.Form):
    recipients = forms.CharField(
        label=gettext_lazy("Encrypt to (age public keys, optional)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "age1..."}),
        help_text=gettext_lazy("The clinic's age public keys, one per line. Each file of the export is then "
                               "encrypted so that only the holders of the matching keys can read it."))


@require_http_methods(["GET", "POST"])
def exports(request):
    user = request.user
    require(user, "clinic.export")
    form = ExportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.start_export(user, recipients_text=form.cleaned_data["recipients"])
                messages.success(request, _("The export has started. It runs in the background; this page "
                                            "shows how far it got."))
                return redirect("handover:exports")
            except ValidationError as exc:
                form.add_error(None, exc.message_dict.get("recipients", exc.messages))
        status = 400
    rows = HandoverExport.objects.select_related("requested_by")[:50]
    running = any(row.status in (HandoverExport.Status.QUEUED, HandoverExport.Status.RUNNING) for row in rows)
    return render(request, "lifecycle/handover/exports.html", {"form": form, "exports": rows, "running": running},
                  status=status)


def manifest(request, public_id):
    name, body = services.manifest_of(request.user, public_id)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["POST"])
def resume(request, public_id):
    try:
        services.resume_export(request.user, public_id)
        messages.success(request, _("The export continues where it stopped."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("handover:exports")
