"""A practitioner (who sees patients) <-> FHIR PractitionerRole: the profession and the specialties
from the national list, at the clinic. Appointments, visits and e-documents name the role (id: the
practitioner's key); the person is its Practitioner (id: the staff member's key). No extensions."""
from fhir.resources.R4B.practitionerrole import PractitionerRole

from klinika.fhir.common import SPECIALTY, code_of, code_system, concept, fid, ref, ref_id

PROFESSION = code_system("profession")


def to_fhir(practitioner, *, clinic_id=None) -> PractitionerRole:
    specialties = sorted(practitioner.specialties.all(), key=lambda s: s.code)
    return PractitionerRole(
        id=fid(practitioner.pk), active=practitioner.is_active,
        practitioner=ref("Practitioner", fid(practitioner.staff_id)),
        organization=ref("Organization", fid(clinic_id or practitioner.clinic_id)),
        code=[concept(PROFESSION, practitioner.profession)],
        specialty=[concept(SPECIALTY, s.code, s.name) for s in specialties] or None)


def values(practitioner) -> dict:
    return {"id": fid(practitioner.pk), "staff": fid(practitioner.staff_id), "profession": practitioner.profession,
            "specialties": sorted(s.code for s in practitioner.specialties.all()),
            "is_active": practitioner.is_active}


def from_fhir(resource: PractitionerRole) -> dict:
    return {"id": resource.id, "staff": ref_id(resource.practitioner, "Practitioner"),
            "profession": code_of((resource.code or [None])[0], PROFESSION),
            "specialties": sorted(code_of(s, SPECIALTY) for s in resource.specialty or [] if code_of(s, SPECIALTY)),
            "is_active": resource.active if resource.active is not None else True}
