"""The clinic <-> FHIR Organization: its name and slug (identifier under klinika's naming system).
Extensions (no element in R4 Organization): the clinic's visit types (code, name, length: what
Appointment.appointmentType and Schedule.serviceType name) and its rooms."""
from fhir.resources.R4B.organization import Organization

from klinika.fhir.common import ext, ext_group, fid, find_ext, identifier, identifier_value, naming_system, part_value

SLUG = naming_system("clinic")


def to_fhir(clinic, *, visit_types=(), rooms=()) -> Organization:
    types = [group for t in visit_types for group in ext_group("visit-type", ext("code", valueCode=t.code)
                                                               + ext("name", valueString=t.name)
                                                               + ext("minutes", valuePositiveInt=t.duration_minutes))]
    places = [e for room in rooms for e in ext("room", valueString=room.name)]
    return Organization(id=fid(clinic.pk), active=clinic.status == "active", name=clinic.name,
                        identifier=[identifier(SLUG, clinic.slug)], extension=(types + places) or None)


def values(clinic, *, visit_types=(), rooms=()) -> dict:
    return {"id": fid(clinic.pk), "name": clinic.name, "slug": clinic.slug,
            "visit_types": [{"code": t.code, "name": t.name, "duration_minutes": t.duration_minutes}
                            for t in visit_types],
            "rooms": [room.name for room in rooms]}


def from_fhir(resource: Organization) -> dict:
    return {"id": resource.id, "name": resource.name or "", "slug": identifier_value(resource.identifier, SLUG),
            "visit_types": [{"code": part_value(g, "code", "valueCode", ""),
                             "name": part_value(g, "name", "valueString", ""),
                             "duration_minutes": part_value(g, "minutes", "valuePositiveInt")}
                            for g in find_ext(resource, "visit-type")],
            "rooms": [e.valueString for e in find_ext(resource, "room")]}
