import base64
from urllib.parse import urlencode, urlsplit

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import authenticate
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from klinika.accounts import services
from klinika.accounts.forms import LoginForm, TokenForm
from klinika.accounts.services.sessions import PENDING_USER_KEY as PENDING

FAILURES = "klinika_token_failures"
SEEN_COOKIE = "klinika_seen"
# Other methods get a 405 instead of being treated as a GET.
page_methods = require_http_methods(["GET", "HEAD", "POST"])
# Going "next" to one of these after logging in would loop back to the login page.
LOGIN_PAGES = {"login", "login-verify", "logout"}


def fully_logged_in(user) -> bool:
    return user.is_authenticated and (not user.requires_two_factor or user.is_verified())


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, {request.get_host()}, request.is_secure()):
        return "/"
    try:
        if resolve(urlsplit(target).path).view_name in LOGIN_PAGES:
            return "/"
    except Resolver404:
        pass
    return target


def _finish(request, user, device=None):
    request.session.pop(PENDING, None)
    request.session.pop(FAILURES, None)
    services.complete_login(request, user, device)
    response = redirect(_next_url(request))
    # Lets the login page tell "your session expired" apart from a first visit.
    response.set_cookie(SEEN_COOKIE, "1", httponly=True, samesite="Lax", secure=request.is_secure())
    return response


def _render_login(request, form, status=200):
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=status)


@page_methods
def login_view(request):
    if fully_logged_in(request.user):
        return redirect(_next_url(request))
    if request.method != "POST":
        expired = request.GET.get("expired") and request.COOKIES.get(SEEN_COOKIE)
        if expired:
            messages.info(request, _("Your session ended after a period of inactivity. Please log in again."))
        response = _render_login(request, LoginForm())
        if expired:
            response.delete_cookie(SEEN_COOKIE)
        return response
    form = LoginForm(request.POST)
    if not form.is_valid():
        return _render_login(request, form, status=400)
    username = form.cleaned_data["username"]
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    if getattr(request, "axes_locked_out", False):
        services.record_failed_login(request, services.user_named(username), "locked out")
        return locked_out(request)
    if user is None:
        services.record_failed_login(request, services.user_named(username), "wrong password")
        form.add_error(None, _("Wrong login or password."))
        return _render_login(request, form, status=400)
    if not user.requires_two_factor:
        return _finish(request, user)
    request.session.cycle_key()
    request.session[PENDING] = user.pk
    request.session[FAILURES] = 0
    return redirect(f"{reverse('login-verify')}?{urlencode({'next': _next_url(request)})}")


@page_methods
def verify_view(request):
    user = services.pending_user(request.session.get(PENDING))
    if user is None:
        messages.info(request, _("Log in with your password first."))
        return redirect("login")
    device = services.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = services.enrolment_device(user)
    if request.method != "POST":
        return _render_verify(request, device, enrolling, TokenForm())
    wait = services.seconds_until_code_allowed(device)
    if wait:
        # Checked first: django-otp refuses even the right code while it backs off.
        return _render_verify(request, device, enrolling, TokenForm(), status=429, wait_message=ngettext(
            "Too many wrong codes in a row. Wait %(seconds)d second and try the current code.",
            "Too many wrong codes in a row. Wait %(seconds)d seconds and try the current code.",
            wait) % {"seconds": wait})
    form = TokenForm(request.POST)
    if form.is_valid() and services.verify_token(device, form.cleaned_data["token"]):
        return _finish(request, user, device)
    failures = request.session.get(FAILURES, 0) + 1
    request.session[FAILURES] = failures
    services.record_failed_login(request, user, "wrong TOTP code")
    if failures >= services.MAX_TOKEN_FAILURES:
        request.session.flush()
        messages.error(request, _("Too many wrong codes. Log in with your password again."))
        return redirect("login")
    if form.is_valid():
        form.add_error("token", _("This code is not valid. Check the time on your phone and try the current code."))
    return _render_verify(request, device, enrolling, form, status=400)


def _render_verify(request, device, enrolling, form, status=200, wait_message=None):
    context = {"form": form, "enrolling": enrolling, "next": _next_url(request), "wait_message": wait_message}
    if enrolling:
        context["qr"] = services.enrolment_qr_svg(device)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/verify.html", context, status=status)


@page_methods
def logout_view(request):
    # GET only asks: logging out changes state, so it needs a POST with a CSRF token.
    if request.method != "POST":
        return render(request, "accounts/logout.html")
    services.end_session(request)
    messages.info(request, _("You have been logged out."))
    response = redirect("login")
    response.delete_cookie(SEEN_COOKIE)
    return response


def locked_out(request, original_response=None, credentials=None):
    """The page for a locked account (also what django-axes' middleware asks for)."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    form = LoginForm(request.POST or None)
    form.is_valid()
    cool_off = get_cool_off(request)
    if cool_off:
        minutes = max(1, round(cool_off.total_seconds() / 60))
        message = ngettext(
            "Too many failed attempts: this account is locked for %(minutes)d minute. "
            "Ask your clinic administrator if you need access sooner.",
            "Too many failed attempts: this account is locked for %(minutes)d minutes. "
            "Ask your clinic administrator if you need access sooner.",
            minutes) % {"minutes": minutes}
    else:
        message = _("Too many failed attempts: this account is locked. Ask your clinic administrator to unlock it.")
    form.add_error(None, message)
    return _render_login(request, form, status=429)
