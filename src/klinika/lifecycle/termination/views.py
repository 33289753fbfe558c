"""The clinic administrator's termination screens: where the termination stands, acknowledging the
handover export by its manifest's SHA-256, and the certificate (JSON and PDF).

Vendor operators start and advance a termination with `klinika clinic terminate`; once the keys are
shredded the clinic's logins stop working, and the vendor hands the certificate over with
`klinika certificate show`."""
from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.lifecycle.termination import services, steps
from klinika.lifecycle.termination.models import Termination

ACTION = "lifecycle.termination"


class AcknowledgeForm(forms.Form):
    manifest_sha256 = forms.CharField(
        label=gettext_lazy("SHA-256 of the manifest.json you received"), max_length=100,
        help_text=gettext_lazy("64 hexadecimal characters, e.g. from the command: sha256sum manifest.json"))


def termination_page(request):
    user = request.user
    require(user, ACTION)
    termination = services.termination_of(user.clinic_id)
    form = AcknowledgeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.acknowledge(user.clinic, form.cleaned_data["manifest_sha256"], admin=user)
                messages.success(request, _("The handover export is acknowledged. The grace period has started."))
                return redirect("termination:status")
            except services.TerminationError as exc:
                form.add_error("manifest_sha256", str(exc))
        status = 400
    context = {"termination": termination, "form": form}
    if termination is not None:
        context.update(steps=services.status(termination), next=steps.next_step(termination),
                       can_acknowledge=termination.delivered_at is not None and termination.acknowledged_at is None)
    return render(request, "lifecycle/termination/status.html", context, status=status)


@require_GET
def certificate_download(request, public_id, kind):
    require(request.user, ACTION)
    # the scoped manager sees this clinic's termination only: another clinic's id answers 404
    termination = Termination.objects.filter(public_id=public_id).first()
    if termination is None or termination.certified_at is None:
        raise Http404
    document = bytes(termination.certificate)
    services.audit_step(termination, Action.EXPORT, f"certificate downloaded ({kind})")
    if kind == "pdf":
        from klinika.lifecycle.termination.pdf import certificate_pdf

        response = HttpResponse(certificate_pdf(document), content_type="application/pdf")
    else:
        response = HttpResponse(document, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="deletion-certificate-{public_id}.{kind}"'
    return response
