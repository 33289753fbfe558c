from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from klinika.accounts.models import SupportGrant
from klinika.accounts.policy import can, require
from klinika.accounts.services import support


class GrantForm(forms.Form):
    operator = forms.CharField(label=gettext_lazy("Vendor operator's login"), max_length=60)
    hours = forms.IntegerField(label=gettext_lazy("For how many hours"), min_value=1, max_value=support.MAX_HOURS,
                               initial=4)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


def support_page(request):
    user = request.user
    if can(user, "support.grant"):
        form = GrantForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    support.grant_support(user, form.cleaned_data["operator"], form.cleaned_data["hours"],
                                          form.cleaned_data["reason"])
                    messages.success(request, _("Support access granted."))
                    return redirect("support")
                except ValidationError as exc:
                    form.add_error(None, exc)
            status = 400
        grants = SupportGrant.objects.select_related("operator").order_by("-starts_at")[:50]
        return render(request, "accounts/support_admin.html", {"form": form, "grants": grants}, status=status)
    require(user, "support.use")
    return render(request, "accounts/support_operator.html", {"grants": support.grants_for_operator(user)})


@require_POST
def revoke(request, grant_id):
    require(request.user, "support.grant")
    try:
        support.revoke_support(request.user, grant_id)
    except SupportGrant.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Support access revoked."))
    return redirect("support")


@require_POST
def enter(request, grant_id):
    require(request.user, "support.use")
    grant = support.active_grant(request.user, grant_id)
    if grant is None:
        raise Http404
    support.start_support_session(request, grant)
    return redirect("dashboard")


@require_POST
def leave(request):
    if not can(request.user, "support.use"):
        raise PermissionDenied
    request.session.pop(support.SUPPORT_SESSION_KEY, None)
    return redirect("support")
