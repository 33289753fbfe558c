import base64

from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinika.accounts import services
from klinika.accounts.forms import LoginForm, TokenForm
from klinika.audit.models import Action
from klinika.audit.services import record

PENDING = "klinika_pending_user"
FAILURES = "klinika_token_failures"
SEEN_COOKIE = "klinika_seen"


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _finish(request, user, device=None):
    services.complete_login(request, user, device)
    response = redirect(_next_url(request))
    response.set_cookie(SEEN_COOKIE, "1", httponly=True, samesite="Lax", secure=request.is_secure())
    return response


def login_view(request):
    if request.user.is_authenticated and (not request.user.requires_two_factor or request.user.is_verified()):
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "GET" and request.GET.get("expired"):
        messages.info(request, _("Your session ended after a period of inactivity. Please log in again."))
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            known = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
            services.record_failed_login(request, known, "wrong password")
            form.add_error(None, _("Wrong login or password."))
            status = 400
        elif not user.requires_two_factor:
            return _finish(request, user)
        else:
            request.session.cycle_key()
            request.session[PENDING] = user.pk
            request.session[FAILURES] = 0
            return redirect(f"{_verify_url()}?next={_next_url(request)}")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=status)


def _verify_url():
    from django.urls import reverse

    return reverse("login-verify")


def verify_view(request):
    user = get_user_model().objects.filter(pk=request.session.get(PENDING)).first()
    if user is None or not user.is_active:
        messages.info(request, _("Log in with your password first."))
        return redirect("login")
    device = services.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = services.enrolment_device(user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and services.verify_token(device, form.cleaned_data["token"]):
            del request.session[PENDING]
            return _finish(request, user, device)
        status = 400
        failures = request.session.get(FAILURES, 0) + 1
        request.session[FAILURES] = failures
        services.record_failed_login(request, user, "wrong TOTP code")
        if failures >= services.MAX_TOKEN_FAILURES:
            request.session.flush()
            messages.error(request, _("Too many wrong codes. Log in with your password again."))
            return redirect("login")
        if form.is_valid():
            form.add_error("token", _("This code is not valid. Check the time on your phone and try the current code."))
    context = {"form": form, "enrolling": enrolling, "next": _next_url(request)}
    if enrolling:
        context["qr"] = services.enrolment_qr_svg(device)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/verify.html", context, status=status)


@require_POST
def logout_view(request):
    user = request.user
    if user.is_authenticated:
        record(Action.LOGOUT, object_type="user", object_id=user.pk, clinic_id=user.clinic_id)
    logout(request)
    messages.info(request, _("You have been logged out."))
    response = redirect("login")
    response.delete_cookie(SEEN_COOKIE)
    return response


def locked_out(request, original_response=None, credentials=None):
    form = LoginForm(request.POST or None)
    form.is_valid()
    form.add_error(None, _("Too many failed attempts: this account is locked for 30 minutes. "
                           "Ask your clinic administrator if you need access sooner."))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=429)
