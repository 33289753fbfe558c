"""/api/practitioners: who sees patients, for booking integrations."""
from ninja import Router, Schema

from klinika.staff import services

router = Router(tags=["staff"])


class SpecialtyOut(Schema):
    code: str
    name: str


class PractitionerOut(Schema):
    id: int
    name: str
    title: str
    profession: str
    specialties: list[SpecialtyOut]
    is_active: bool


def practitioner_out(p) -> dict:
    return {"id": p.pk, "name": f"{p.staff.first_name} {p.staff.last_name}", "title": p.title,
            "profession": p.profession, "is_active": p.is_active,
            "specialties": [{"code": s.code, "name": s.name} for s in p.specialties.all()]}


@router.get("", response=list[PractitionerOut])
def list_practitioners(request, specialty: str | None = None):
    """Active practitioners, optionally only those with a specialty code (e.g. 0724)."""
    return [practitioner_out(p) for p in services.list_practitioners(request.auth, specialty_code=specialty)]


@router.get("/{practitioner_id}", response=PractitionerOut)
def get_practitioner(request, practitioner_id: int):
    return practitioner_out(services.get_practitioner(request.auth, practitioner_id))
