"""A practitioner's weekly hours and their exceptions <-> FHIR Schedule.

One Schedule per weekly block (id "h<key>": planningHorizon is its validity, serviceType the visit
types offered) and one per exception (id "x<key>": leave or extra hours, planningHorizon is its
time, comment its note). The actor is the practitioner's PractitionerRole.
Extensions (R4's Schedule has no recurring hours): the weekday (0 = Monday), the start and end
time, the slot length, the room, and for an exception its kind ("unavailable" / "extra").
"""
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.schedule import Schedule

from klinika.fhir.common import (
    as_date,
    aware,
    code_of,
    code_system,
    concept,
    ext,
    ext_value,
    fid,
    ref,
    ref_id,
    text,
)
from klinika.scheduling.models import AvailabilityException, WeeklyAvailability

VISIT_TYPE = code_system("visit-type")
WEEKLY = "weekly"


def _types(obj) -> list[str]:
    return sorted(t.code for t in obj.visit_types.all())


def to_fhir(obj) -> Schedule:
    types = [concept(VISIT_TYPE, code) for code in _types(obj)] or None
    room = ext("room", valueString=obj.room.name if obj.room_id else None)
    slot = ext("slot-minutes", valuePositiveInt=obj.slot_minutes)
    actor = [ref("PractitionerRole", fid(obj.practitioner_id))]
    if isinstance(obj, WeeklyAvailability):
        return Schedule(id=f"h{obj.pk}", active=True, actor=actor, serviceType=types,
                        planningHorizon=Period(start=obj.valid_from, end=obj.valid_until),
                        extension=(ext("weekday", valueInteger=obj.weekday) + ext("start", valueTime=obj.start_time)
                                   + ext("end", valueTime=obj.end_time) + slot + room))
    return Schedule(id=f"x{obj.pk}", active=True, actor=actor, serviceType=types,
                    planningHorizon=Period(start=aware(obj.starts_at), end=aware(obj.ends_at)),
                    comment=text(obj.note) or None, extension=ext("exception-kind", valueCode=obj.kind) + slot + room)


def values(obj) -> dict:
    common = {"practitioner": fid(obj.practitioner_id), "slot_minutes": obj.slot_minutes,
              "room": obj.room.name if obj.room_id else "", "visit_types": _types(obj)}
    if isinstance(obj, WeeklyAvailability):
        return {"id": f"h{obj.pk}", "kind": WEEKLY, "weekday": obj.weekday, "start_time": obj.start_time,
                "end_time": obj.end_time, "valid_from": obj.valid_from, "valid_until": obj.valid_until, **common}
    assert isinstance(obj, AvailabilityException)
    return {"id": f"x{obj.pk}", "kind": obj.kind, "starts_at": aware(obj.starts_at), "ends_at": aware(obj.ends_at),
            "note": text(obj.note), **common}


def from_fhir(resource: Schedule) -> dict:
    horizon = resource.planningHorizon or Period()
    common = {"practitioner": ref_id((resource.actor or [None])[0], "PractitionerRole"),
              "slot_minutes": ext_value(resource, "slot-minutes", "valuePositiveInt"),
              "room": ext_value(resource, "room", "valueString", ""),
              "visit_types": sorted(code_of(t, VISIT_TYPE) for t in resource.serviceType or [])}
    kind = ext_value(resource, "exception-kind", "valueCode")
    if kind is None:
        return {"id": resource.id, "kind": WEEKLY, "weekday": ext_value(resource, "weekday", "valueInteger"),
                "start_time": ext_value(resource, "start", "valueTime"),
                "end_time": ext_value(resource, "end", "valueTime"),
                "valid_from": as_date(horizon.start), "valid_until": as_date(horizon.end), **common}
    return {"id": resource.id, "kind": kind, "starts_at": aware(horizon.start), "ends_at": aware(horizon.end),
            "note": resource.comment or "", **common}
