"""A clinic's life: creation (keys first, then the row), key rotation, crypto-shred, crypto-erase one person.

Each operation is audited.
"""
from uuid import UUID

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from klinika.accounts import services as accounts
from klinika.audit.models import Action
from klinika.audit.services import checkpoint, record
from klinika.crypto import keystore
from klinika.crypto.fields import BlindIndexField
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic


class ClinicExists(ValueError):
    pass


def create_clinic(name: str, slug: str | None = None, *, is_demo: bool = False) -> Clinic:
    """A new clinic with its own key hierarchy. Keys are made first: a clinic row never exists without keys."""
    return _create(name, slug, is_demo)


def create_clinic_with_admin(name: str, slug: str | None = None, *, admin_email: str, admin_login: str | None = None,
                             invitation_hours: int | None = None) -> tuple[Clinic, accounts.IssuedInvitation]:
    """A new clinic and its first administrator, who gets a one-time link to set a password and enrol TOTP."""
    slug = _slug(name, slug)
    admin_login = admin_login or accounts.first_admin_login(slug)
    # checked before any key is made
    accounts.check_new_login(accounts.Role.CLINIC_ADMIN, admin_email, admin_login)
    accounts.invitation_hours(invitation_hours)
    issued = []
    clinic = _create(name, slug, False, then=lambda clinic: issued.append(
        accounts.invite_first_admin(clinic, admin_email, admin_login, invitation_hours)))
    return clinic, issued[0]


def invite_to_clinic(clinic: Clinic, by_login: str, **invitation) -> accounts.IssuedInvitation:
    """`klinika clinic invite`: an invitation made on behalf of one of the clinic's administrators."""
    admin = get_user_model().objects.filter(username=by_login, clinic=clinic, is_active=True).first()
    if admin is None:
        raise LookupError(f"No active login {by_login!r} in clinic {clinic.slug}; --by names one of its administrators")
    with clinic_context(clinic):
        return accounts.invite_staff(admin, **invitation)


def _slug(name: str, slug: str | None) -> str:
    name = name.strip()
    if not name:
        raise ValueError("A clinic needs a name")
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValueError(f"Cannot make a slug from {name!r}; give one with --slug (letters, digits, hyphens)")
    if Clinic.objects.filter(slug=slug).exists():
        raise ClinicExists(f"A clinic with the slug {slug!r} already exists; choose another --slug")
    return slug


def _create(name, slug, is_demo, then=None) -> Clinic:
    clinic = Clinic(name=name.strip(), slug=_slug(name, slug), is_demo=is_demo)
    keystore.create_clinic_keys(clinic.pk)
    with transaction.atomic():
        clinic.save()
        record(Action.CREATE, object_type="clinic", object_id=clinic.pk, clinic_id=None)
        record(Action.KEY, object_type="clinic-keys", object_id=clinic.pk, reason="created", clinic_id=clinic.pk)
        if then is not None:
            then(clinic)
    return clinic


def rotate_keys(clinic: Clinic) -> keystore.RotationReport:
    with clinic_context(clinic):
        report = keystore.rotate_clinic(clinic.pk)
        with transaction.atomic():
            record(Action.KEY, object_type="clinic-keys", object_id=clinic.pk,
                   reason=f"rotated: {report.rewrapped} keys re-wrapped, new data key {report.new_dek}")
    return report


def shred_clinic(clinic: Clinic, reason: str) -> int:
    """Destroy the clinic's keys: every copy of its data, backups included, becomes unreadable.

    The audit chain is checkpointed first and the shred recorded, so what happened
    stays provable (audit events hold no personal data and the signing public key is kept).
    """
    with clinic_context(clinic):
        with transaction.atomic():
            record(Action.KEY, object_type="clinic-keys", object_id=clinic.pk, reason=f"shred: {reason}"[:200])
        checkpoint(clinic.pk)
        destroyed = keystore.shred_clinic(clinic.pk)
        with transaction.atomic():
            Clinic.objects.filter(pk=clinic.pk).update(status=Clinic.Status.TERMINATED)
    return destroyed


def erase_subject(clinic: Clinic, subject_ref: UUID, reason: str) -> bool:
    """Crypto-erase one person: destroy their key and drop the blind indexes of their rows."""
    with clinic_context(clinic):
        destroyed = keystore.erase_subject(clinic.pk, subject_ref)
        with transaction.atomic():
            for model in apps.get_models():
                index_fields = [f.name for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
                if index_fields and any(f.name == "subject_ref" for f in model._meta.concrete_fields):
                    model.objects.filter(subject_ref=subject_ref).update(**{name: None for name in index_fields})
            record(Action.KEY, object_type="subject-key", object_id=subject_ref, subject_ref=subject_ref,
                   reason=f"erase: {reason}"[:200])
    return destroyed
