"""A staff member (and their licence, when they see patients) <-> FHIR Practitioner.

Every staff member of the clinic is a Practitioner (id: the staff member's key): the desk and the
admins record and upload things too. Standard elements: identifier (the licence number, NPWZ,
under the national register's OID; the login under klinika's naming system), name (with the
title as prefix), telecom, active, qualification (profession and licence).
Extension (no element in R4): the person's klinika role (registrar, doctor, nurse, clinic admin, DPO).
"""
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.practitioner import Practitioner as FhirPractitioner
from fhir.resources.R4B.practitioner import PractitionerQualification

from klinika.fhir.common import (
    NPWZ_DOCTOR,
    NPWZ_NURSE,
    code_of,
    code_system,
    concept,
    ext,
    ext_value,
    fid,
    identifier,
    identifier_value,
    naming_system,
    text,
)
from klinika.staff.models import Profession

LOGIN = naming_system("login")
PROFESSION = code_system("profession")
NPWZ = {Profession.DOCTOR: NPWZ_DOCTOR, Profession.NURSE: NPWZ_NURSE, Profession.MIDWIFE: NPWZ_NURSE}


def _practitioner_of(member):
    try:
        return member.practitioner
    except Exception:  # RelatedObjectDoesNotExist: a member who sees no patients
        return None


def to_fhir(member) -> FhirPractitioner:
    practitioner = _practitioner_of(member)
    identifiers = [identifier(LOGIN, member.user.username)]
    qualification = None
    prefix = None
    if practitioner is not None:
        licence = identifier(NPWZ[practitioner.profession], text(practitioner.licence_number), use="official")
        identifiers.insert(0, licence)
        qualification = [PractitionerQualification(code=concept(PROFESSION, practitioner.profession),
                                                   identifier=[licence])]
        prefix = [practitioner.title] if practitioner.title else None
    telecom = [ContactPoint(system="phone", value=member.phone, use="work")] if text(member.phone) else []
    telecom += [ContactPoint(system="email", value=member.email, use="work")] if text(member.email) else []
    return FhirPractitioner(
        id=fid(member.pk), active=member.user.is_active, identifier=identifiers,
        name=[HumanName(use="official", family=text(member.last_name), given=[text(member.first_name)],
                        prefix=prefix)],
        telecom=telecom or None, qualification=qualification,
        extension=ext("role", valueCode=member.user.role) or None)


def values(member) -> dict:
    practitioner = _practitioner_of(member)
    return {"id": fid(member.pk), "first_name": text(member.first_name), "last_name": text(member.last_name),
            "email": text(member.email), "phone": text(member.phone), "login": member.user.username,
            "role": member.user.role, "is_active": member.user.is_active,
            "profession": practitioner.profession if practitioner else "",
            "licence_number": text(practitioner.licence_number) if practitioner else "",
            "title": practitioner.title if practitioner else ""}


def from_fhir(resource: FhirPractitioner) -> dict:
    name = (resource.name or [HumanName()])[0]
    profession = code_of(resource.qualification[0].code, PROFESSION) if resource.qualification else ""
    licence = identifier_value(resource.identifier, NPWZ[profession]) if profession else ""
    return {"id": resource.id, "first_name": " ".join(name.given or []), "last_name": name.family or "",
            "email": next((t.value for t in resource.telecom or [] if t.system == "email"), ""),
            "phone": next((t.value for t in resource.telecom or [] if t.system == "phone"), ""),
            "login": identifier_value(resource.identifier, LOGIN), "role": ext_value(resource, "role", "valueCode", ""),
            "is_active": resource.active if resource.active is not None else True, "profession": profession,
            "licence_number": licence, "title": " ".join(name.prefix or [])}
