"""Finding clinics. Creating one (with its keys and audit events) is lifecycle.services.create_clinic."""
from klinika.tenancy.models import Clinic


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
