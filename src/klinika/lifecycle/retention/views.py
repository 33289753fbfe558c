"""The retention queue for the clinic's data protection officer and administrator: what is past its
period, approving its destruction, legal holds. Only opaque ids are shown, never a name."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinika.accounts.policy import require
from klinika.lifecycle.retention import services


def _page(request, status=200):
    return render(request, "lifecycle/retention/queue.html", {"queue": services.queue(request.user)}, status=status)


def queue(request):
    return _page(request)


def _done(request, operation, success):
    require(request.user, "retention.manage")
    try:
        operation()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, status=400)
    messages.success(request, success)
    return redirect("retention:queue")


@require_POST
def approve(request):
    refs = request.POST.getlist("ref")
    if not refs:
        require(request.user, "retention.manage")
        messages.error(request, _("Choose what to approve."))
        return _page(request, status=400)
    return _done(request, lambda: services.approve(request.user, refs),
                 _("Approved. The next retention run destroys what is still due and not on legal hold."))


@require_POST
def place_hold(request):
    return _done(request, lambda: services.place_hold(request.user, request.POST.get("ref", ""),
                                                      request.POST.get("reason", "")),
                 _("Legal hold placed: this is not destroyed until the hold is released."))


@require_POST
def release_hold(request, hold_id):
    return _done(request, lambda: services.release_hold(request.user, hold_id, request.POST.get("reason", "")),
                 _("Legal hold released."))
