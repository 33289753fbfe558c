import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinika.accounts.roles import Role
from klinika.crypto.fields import BlindIndexField, EncryptedTextField
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
