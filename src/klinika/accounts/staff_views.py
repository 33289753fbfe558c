"""The clinic admin's view of the clinic's logins, and the reset of a lost authenticator."""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinika.accounts import services
from klinika.accounts.forms import InviteStaffForm, ResetTwoFactorForm
from klinika.accounts.policy import can

User = get_user_model()


@require_http_methods(["GET", "POST"])
def account_list(request):
    """The clinic's logins, and the form that invites a new one (its link is shown on this page, once)."""
    accounts = services.clinic_accounts(request.user)
    form = InviteStaffForm(request.POST or None)
    invited, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                invited = services.invite_staff(request.user, email=data["email"], role=data["role"],
                                                login=data["login"], first_name=data["first_name"],
                                                last_name=data["last_name"])
            except services.LoginTaken as exc:
                form.add_error("login", str(exc))
            else:
                form, status = InviteStaffForm(), 200
                accounts = services.clinic_accounts(request.user)
    response = render(request, "accounts/staff_accounts.html",
                      {"accounts": accounts, "form": form, "invited": invited}, status=status)
    add_never_cache_headers(response)  # the new invitation link is on this page only
    return response


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
