"""Login and second-factor operations, each audited.

Audit events name the user by id only: never the typed login, which may be a mistyped
password or someone else's name.
"""
import datetime
import hashlib
import math
import secrets
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib.auth import get_user_model, login, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from klinika.accounts.backends import StaffBackend
from klinika.accounts.models import Invitation, StaffMember, TOTPDevice
from klinika.accounts.policy import require
from klinika.accounts.roles import CLINIC_ROLES, Role
from klinika.accounts.services.sessions import end_sessions_of
from klinika.audit.context import Actor, current_actor
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.tenancy.context import clinic_context

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


# --- invitations: how a new login gets its password and authenticator -------------------------------

class InvitationInvalid(Exception):
    """The link cannot be used; the message says why, for the person holding it."""

    def __init__(self, message, status=410):
        super().__init__(message)
        self.status = status


@dataclass
class IssuedInvitation:
    user: object
    link: str  # shown once: only its hash is stored
    expires_at: object


class LoginTaken(ValueError):
    pass


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def invitation_link(raw: str) -> str:
    return settings.KLINIKA_PUBLIC_URL + reverse("invitation", args=[raw])


def first_admin_login(slug: str) -> str:
    return f"{slug}-admin"[:60]


def check_new_login(role, email, login):
    """ValueError (LoginTaken for a login in use) naming what is wrong with a login about to be made."""
    if role not in CLINIC_ROLES:
        raise ValueError(f"Unknown clinic role {role!r}; choose one of {', '.join(CLINIC_ROLES)}")
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError("The e-mail address is not valid (expected something like name@example.pl)") from None
    login = (login or "").strip()
    if not login or len(login) > 60 or any(c.isspace() for c in login):
        raise ValueError("A login is 1 to 60 characters without spaces")
    if get_user_model().objects.filter(username=login).exists():
        raise LoginTaken(_("The login %(login)s is taken; choose another.") % {"login": login})


def _new_login(clinic, role, email, login, first_name="", last_name=""):
    """A login with no usable password yet, and its staff record (the e-mail encrypted under the person's key)."""
    login = (login or "").strip()
    check_new_login(role, email, login)
    user = get_user_model()(username=login, role=role, clinic=clinic)
    user.set_unusable_password()
    user.save()
    with clinic_context(clinic):
        StaffMember.objects.create(user=user, first_name=first_name.strip(), last_name=last_name.strip(),
                                   email=email.strip())
    return user


def invitation_hours(hours: int | None) -> int:
    """How long a new invitation works: `hours`, or KLINIKA_INVITATION_HOURS when None."""
    hours = settings.KLINIKA_INVITATION_HOURS if hours is None else hours
    if hours <= 0:
        raise ValueError("An invitation must be valid for at least one hour "
                         "(--expires-hours, KLINIKA_INVITATION_HOURS)")
    return hours


def _issue(user, created_by, hours) -> IssuedInvitation:
    raw = secrets.token_urlsafe(32)
    hours = invitation_hours(hours)
    now = timezone.now()
    invitation = Invitation.objects.create(user=user, digest=_token_digest(raw), created_by=created_by,
                                           created_at=now, expires_at=now + datetime.timedelta(hours=hours))
    actor = Actor(created_by.pk, created_by.role, current_actor().request_id) if created_by else None
    record(Action.GRANT, object_type="invitation", object_id=invitation.pk, clinic_id=user.clinic_id, actor=actor,
           reason=f"invitation created: user {user.pk} ({user.role}), valid {hours} h")
    return IssuedInvitation(user, invitation_link(raw), invitation.expires_at)


def invite_first_admin(clinic, email: str, login: str | None = None, hours: int | None = None) -> IssuedInvitation:
    """A new clinic's first administrator (made by the vendor's `klinika clinic create --admin`)."""
    with transaction.atomic():
        user = _new_login(clinic, Role.CLINIC_ADMIN, email, login or first_admin_login(clinic.slug))
        return _issue(user, None, hours)


def invite_staff(inviter, *, email: str, role: str, login: str, first_name: str = "", last_name: str = "",
                 hours: int | None = None) -> IssuedInvitation:
    """A clinic administrator invites a new login of their clinic; the link is theirs to hand over."""
    require(inviter, "staff.manage")
    with transaction.atomic():
        user = _new_login(inviter.clinic, role, email, login, first_name, last_name)
        return _issue(user, inviter, hours)


def open_invitation(raw: str, *, for_update=False) -> Invitation:
    """The invitation a link carries, if it can still be used; InvitationInvalid (with the reason) if not."""
    queryset = Invitation.objects.select_related("user", "user__clinic")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(digest=_token_digest(raw or "")).first()
    if invitation is None:
        raise InvitationInvalid(_("This invitation link is not valid. Check that you copied the whole link, "
                                  "or ask your clinic administrator for a new invitation."), status=404)
    if invitation.accepted_at is not None:
        raise InvitationInvalid(_("This invitation link was already used. Log in with the password you set, "
                                  "or ask your clinic administrator for a new invitation."))
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(_("This invitation link has expired. Ask your clinic administrator "
                                  "(or your klinika provider) for a new invitation."))
    user, clinic = invitation.user, invitation.user.clinic
    if not user.is_active or (clinic is not None and clinic.status != clinic.Status.ACTIVE):
        raise InvitationInvalid(_("This account can no longer be used. Ask your clinic administrator."))
    return invitation


def accept_invitation(raw: str, *, password: str, first_name: str, last_name: str):
    """Spend the invitation: the login gets its password and its name. Returns the user, who enrols TOTP next."""
    with transaction.atomic():
        invitation = open_invitation(raw, for_update=True)
        user = invitation.user
        user.set_password(password)
        user.save(update_fields=["password"])
        with clinic_context(user.clinic_id):
            staff = StaffMember.objects.filter(user=user).first() or StaffMember(user=user)
            staff.first_name, staff.last_name = first_name.strip(), last_name.strip()
            staff.save()
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        record(Action.GRANT, object_type="invitation", object_id=invitation.pk, clinic_id=user.clinic_id,
               actor=Actor(user.pk, user.role, current_actor().request_id), reason="invitation accepted")
    return user
