"""Login and second-factor operations, each audited.

Audit events name the user by id only: never the typed login, which may be a mistyped
password or someone else's name.
"""
import math

import segno
from django.contrib.auth import get_user_model, login, logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from klinika.accounts.backends import StaffBackend
from klinika.accounts.models import TOTPDevice
from klinika.accounts.policy import require
from klinika.accounts.sessions import end_sessions_of
from klinika.audit.context import Actor, current_actor
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


def clinic_accounts(admin) -> list:
    """The logins of the admin's clinic, each with `has_authenticator` (a confirmed TOTP device)."""
    require(admin, "staff.manage")
    users = list(get_user_model().objects.filter(clinic_id=admin.clinic_id).select_related("staff")
                 .order_by("username"))
    enrolled = set(TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True))
    for user in users:
        user.has_authenticator = user.pk in enrolled
    return users


def clinic_account(admin, user_id):
    """One login of the admin's clinic; another clinic's is DoesNotExist, as if it did not exist."""
    require(admin, "staff.manage")
    user = get_user_model().objects.select_related("staff").get(pk=user_id, clinic_id=admin.clinic_id)
    user.has_authenticator = confirmed_device(user) is not None
    return user


def reset_two_factor(admin, user_id):
    """A staff member lost their authenticator: forget it, end their sessions; their next login enrols a new one.

    Another clinic's user is DoesNotExist. Nobody resets their own: whoever holds a logged-in
    admin's session must not be able to swap the authenticator behind it.
    """
    require(admin, "accounts.reset_two_factor")
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user_id, clinic_id=admin.clinic_id)
        if user.pk == admin.pk:
            raise PermissionDenied(_("You cannot reset your own two-factor login. Ask another clinic administrator."))
        require(admin, "accounts.reset_two_factor", user)
        removed, _details = TOTPDevice.objects.filter(user=user).delete()
        ended = end_sessions_of(user)
        record(Action.UPDATE, object_type="user", object_id=user.pk, clinic_id=user.clinic_id,
               actor=Actor(admin.pk, admin.role, current_actor().request_id),
               reason=f"two-factor reset: {removed} authenticator(s) removed, {ended} session(s) ended")
    return user
