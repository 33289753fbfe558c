"""Key operations on a clinic: rotate, crypto-shred, crypto-erase one person. Each is audited."""
from uuid import UUID

from django.apps import apps
from django.db import transaction

from klinika.audit.models import Action
from klinika.audit.services import checkpoint, record
from klinika.crypto import keystore
from klinika.crypto.fields import BlindIndexField
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic


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
