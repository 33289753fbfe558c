"""The clinic admin's view of the clinic's logins, and the reset of a lost authenticator."""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinika.accounts import services
from klinika.accounts.forms import ResetTwoFactorForm
from klinika.accounts.policy import can

User = get_user_model()


@require_GET
def account_list(request):
    return render(request, "accounts/staff_accounts.html", {"accounts": services.clinic_accounts(request.user)})


def _account_page(request, user_id, form=None, status=200):
    try:
        account = services.clinic_account(request.user, user_id)
    except User.DoesNotExist:
        raise Http404 from None
    # In the demo clinic nobody has a second factor, so there is nothing to reset.
    may_reset = (can(request.user, "accounts.reset_two_factor", account) and account.pk != request.user.pk
                 and account.requires_two_factor)
    return render(request, "accounts/staff_account.html", {
        "account": account, "may_reset": may_reset, "form": form or ResetTwoFactorForm()}, status=status)


@require_GET
def account_page(request, user_id):
    return _account_page(request, user_id)


@require_POST
def reset_two_factor(request, user_id):
    form = ResetTwoFactorForm(request.POST)
    if not form.is_valid():
        return _account_page(request, user_id, form, status=400)
    try:
        account = services.reset_two_factor(request.user, user_id)
    except User.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Two-factor login of %(login)s is reset: they were logged out and will set up "
                                "a new authenticator at their next login.") % {"login": account.username})
    return redirect("staff-account", user_id=account.pk)
