"""Clinic lifecycle operations that belong to tenancy (creating a clinic and its keys)."""
from django.db import transaction
from django.utils.text import slugify

from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.crypto import keystore
from klinika.tenancy.models import Clinic


class ClinicExists(ValueError):
    pass


def create_clinic(name: str, slug: str | None = None, *, is_demo: bool = False) -> Clinic:
    """A new clinic with its own key hierarchy. Keys are made first: a clinic row never exists without keys."""
    name = name.strip()
    if not name:
        raise ValueError("A clinic needs a name")
    slug = slugify(slug or name)[:60]
    if Clinic.objects.filter(slug=slug).exists():
        raise ClinicExists(f"A clinic with the slug {slug!r} already exists; choose another --slug")
    clinic = Clinic(name=name, slug=slug, is_demo=is_demo)
    keystore.create_clinic_keys(clinic.pk)
    with transaction.atomic():
        clinic.save()
        record(Action.CREATE, object_type="clinic", object_id=clinic.pk, clinic_id=None)
        record(Action.KEY, object_type="clinic-keys", object_id=clinic.pk, reason="created", clinic_id=clinic.pk)
    return clinic


def find_clinic(ref: str) -> Clinic:
    """A clinic by slug or id, with an error that says how to list them."""
    import uuid

    clinic = Clinic.objects.filter(slug=ref).first()
    if clinic is None:
        try:
            clinic = Clinic.objects.filter(pk=uuid.UUID(ref)).first()
        except ValueError:
            clinic = None
    if clinic is None:
        raise LookupError(f"No clinic {ref!r}; `klinika clinic list` shows the clinics and their slugs")
    return clinic


def active_clinics() -> list[Clinic]:
    """Terminated (crypto-shredded) clinics get no background work: their keys are gone and so is their business."""
    return list(Clinic.objects.filter(status=Clinic.Status.ACTIVE).order_by("slug"))


def clinics_to_serve(ref: str | None, work: str) -> list[Clinic]:
    """For a periodic command: the clinic named (which must be active), or every active clinic."""
    if ref is None:
        return active_clinics()
    clinic = find_clinic(ref)
    if clinic.status != Clinic.Status.ACTIVE:
        raise LookupError(f"Clinic {clinic.slug} is {clinic.status}: it {work}")
    return [clinic]
