import time
import uuid
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import hex_validator, random_hex

from klinika.accounts.roles import Role
from klinika.audit.services import VENDOR_KEY_OWNER
from klinika.crypto import keystore
from klinika.crypto.errors import KeyNotFound
from klinika.crypto.fields import ERASED, BlindIndexField, EncryptedTextField
from klinika.tenancy.models import Clinic, ClinicOwnedModel


class UserManager(BaseUserManager):
    def create_user(self, username, password=None, **fields):
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save()
        return user

    def create_superuser(self, username, password=None, **fields):
        fields.setdefault("role", Role.VENDOR_OPERATOR)
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser):
    """A login. Holds no personal data: names and contacts are in StaffMember, encrypted.

    Not clinic-scoped on purpose: a login must be resolved before its clinic is known,
    and vendor operators belong to no clinic. Usernames are handles, not names.
    """

    username = models.CharField(_("login"), max_length=60, unique=True)
    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["role"]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="vendor_operator", clinic__isnull=True)
                           | (~models.Q(role="vendor_operator") & models.Q(clinic__isnull=False))),
                name="staff_have_a_clinic_vendor_operators_none",
            )
        ]

    def __str__(self):
        return self.username

    @property
    def is_staff(self):  # Django admin is not used; nobody is "staff" in Django's sense
        return False

    @property
    def requires_two_factor(self) -> bool:
        clinic = self.clinic
        return not (clinic is not None and clinic.is_demo)


class StaffMember(ClinicOwnedModel):
    """A person working at a clinic: their personal data, encrypted under their own key."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="staff")
    subject_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = EncryptedTextField(_("first name"), max_length=100)
    last_name = EncryptedTextField(_("last name"), max_length=100)
    email = EncryptedTextField(_("e-mail"), max_length=254, blank=True)
    phone = EncryptedTextField(_("phone"), max_length=30, blank=True)
    last_name_index = BlindIndexField(source="last_name", normaliser="text")
    email_index = BlindIndexField(source="email", normaliser="email")

    def encryption_subject_ref(self):
        return self.subject_ref

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class SupportGrant(ClinicOwnedModel):
    """Break-glass: a clinic admin lets one vendor operator into the clinic, for a stated reason, for hours.

    Every use is audited with the grant's id; the grant ends by itself at `expires_at`.
    """

    operator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="support_grants")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["clinic", "operator", "expires_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("starts_at")),
                                              name="support_grant_ends_after_it_starts")]

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.starts_at <= now < self.expires_at


class ApiToken(models.Model):
    """A per-user token for integrations. Only its SHA-256 is stored; the token is shown once.

    Not clinic-scoped: a request's token is resolved before its clinic is known (like User).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


def _new_totp_key():
    return random_hex(20)


def _hex_key(value):
    return hex_validator()(value)


def totp_key_owner(clinic_id):
    """Whose keystore keys encrypt a login's TOTP secret: its clinic's, or the vendor's for a vendor operator.

    The vendor's keys are the ones its audit chain is signed with (VENDOR_KEY_OWNER), made on first use.
    """
    if clinic_id is not None:
        return clinic_id
    try:
        keystore.clinic_key(VENDOR_KEY_OWNER, keystore.Purpose.DATA)
    except KeyNotFound:
        keystore.create_clinic_keys(VENDOR_KEY_OWNER)
    return VENDOR_KEY_OWNER


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """django-otp's TOTP device (otp_totp.TOTPDevice) with its secret encrypted under the keystore.

    The fields and the verification are django-otp's own (drift, throttling, and last_t so a
    code is accepted once); only `key` differs: otp_totp keeps the hex secret as plain text,
    which put every authenticator's secret into each database copy and dump. It is encrypted
    under the clinic's data key (the secret is a credential of the clinic's login, not data
    about the person, and dies with the clinic's keys), or under the vendor's for a vendor
    operator. A shredded clinic's devices read as ERASED and verify nothing.
    """

    key = EncryptedTextField(max_length=80, validators=[_hex_key], default=_new_totp_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "TOTP device"

    # What EncryptedField asks for to pick the key (clinic_id, encryption_subject_ref).
    @property
    def clinic_id(self):
        return totp_key_owner(self.user.clinic_id)

    def encryption_subject_ref(self):
        return None

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    # verify_token, get_throttle_factor and config_url are otp_totp.TOTPDevice's (django-otp 1.7.5).
    def verify_token(self, token):
        if self.key is ERASED:
            return False
        verify_allowed, _details = self.verify_is_allowed()
        if not verify_allowed:
            return False
        try:
            token = int(token)
        except Exception:
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(token, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code."""
        label = str(self.user.get_username())
        params = urlencode({"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits,
                           "period": self.step})
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "")
        if issuer:
            issuer = issuer.replace(":", "")
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


class Invitation(models.Model):
    """A one-time link with which a new login sets its password and enrols its authenticator.

    Only the SHA-256 of the link's token is kept (like ApiToken): a copy of the database
    cannot be used to accept an invitation. Not clinic-scoped: it is resolved before anyone
    is logged in.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                              name="invitation_expires_after_it_is_made")]
