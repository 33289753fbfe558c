"""The page an invitation link opens: the new login sets its name and password, then enrols its authenticator.

After the password the person is exactly where a password login leaves someone without an
authenticator (the pending user of the verify page), so enrolment is the login's own.
"""
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from klinika.accounts import services
from klinika.accounts.forms import AcceptInvitationForm
from klinika.accounts.services.sessions import PENDING_USER_KEY
from klinika.accounts.views import FAILURES, page_methods


def _page(request, template, context, status):
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)  # the address holds the token
    return response


@page_methods
def invitation_view(request, token):
    try:
        invitation = services.open_invitation(token)
    except services.InvitationInvalid as exc:
        return _page(request, "accounts/invitation_invalid.html", {"message": str(exc)}, exc.status)
    user = invitation.user
    form = AcceptInvitationForm(request.POST or None, user=user, initial=_known_names(user))
    if request.method != "POST" or not form.is_valid():
        return _page(request, "accounts/invitation.html", {"form": form, "invitation": invitation, "login": user},
                     400 if request.method == "POST" else 200)
    try:
        user = services.accept_invitation(token, password=form.cleaned_data["password1"],
                                          first_name=form.cleaned_data["first_name"],
                                          last_name=form.cleaned_data["last_name"])
    except services.InvitationInvalid as exc:  # spent by a parallel request a moment ago
        return _page(request, "accounts/invitation_invalid.html", {"message": str(exc)}, exc.status)
    if request.user.is_authenticated:  # someone else's session in this browser ends here
        services.end_session(request)
    request.session.cycle_key()
    request.session[PENDING_USER_KEY] = user.pk
    request.session[FAILURES] = 0
    return redirect(f"{reverse('login-verify')}?{urlencode({'next': reverse('dashboard')})}")


def _known_names(user) -> dict:
    staff = getattr(user, "staff", None)
    return {"first_name": staff.first_name, "last_name": staff.last_name} if staff else {}
