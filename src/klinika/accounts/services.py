"""Login and second-factor operations, each audited.

Audit events name the user by id only: never the typed login, which may be a mistyped
password or someone else's name.
"""
import math

import segno
from django.contrib.auth import get_user_model, login, logout
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from klinika.accounts.backends import StaffBackend
from klinika.audit.context import Actor
from klinika.audit.models import Action
from klinika.audit.services import record

# Wrong codes allowed for one password login before the password must be entered again.
MAX_TOKEN_FAILURES = 5


def _actor(user, request) -> Actor:
    return Actor(user.pk, user.role, getattr(request, "request_id", ""))


def complete_login(request, user, device=None):
    """The user proved who they are: start the session (and bind the verifying device)."""
    with transaction.atomic():
        login(request, user, backend="klinika.accounts.backends.StaffBackend")
        if device is not None:
            otp_login(request, device)
        record(Action.LOGIN, object_type="user", object_id=user.pk, clinic_id=user.clinic_id,
               actor=_actor(user, request), reason="password+totp" if device else "password (demo clinic)")


def end_session(request):
    """Log out, leaving a trace first (the session and its user are gone afterwards)."""
    user = request.user
    if user.is_authenticated:
        record(Action.LOGOUT, object_type="user", object_id=user.pk, clinic_id=user.clinic_id,
               actor=_actor(user, request))
    logout(request)


def user_named(username: str):
    return get_user_model().objects.filter(username=username).first()


def record_failed_login(request, user, reason: str):
    record(Action.LOGIN_FAILED, object_type="user", object_id=user.pk if user else "",
           clinic_id=user.clinic_id if user else None, reason=reason,
           actor=_actor(user, request) if user else None, outcome="failure")


def pending_user(user_id):
    """The user who gave the right password and still owes a code, if they may still log in."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None or not StaffBackend().user_can_authenticate(user):
        return None
    return user


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (made on first visit, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def enrolment_qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5)


def seconds_until_code_allowed(device: TOTPDevice) -> int:
    """0 when a code may be tried now; otherwise how long django-otp's backoff still holds."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return 0
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def verify_token(device: TOTPDevice, token: str) -> bool:
    ok = device.verify_token(token)
    if ok and not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return ok
