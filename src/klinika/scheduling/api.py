"""/api/schedule: free slots and appointments. A time someone else booked first answers 409.

The reason for a visit is accepted from anyone who may book, but returned only to roles
with schedule.view_reason: for the others the key is absent, not empty.
"""
import datetime
import functools

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from klinika.accounts.policy import can, require
from klinika.inputs import Day, Moment
from klinika.scheduling import services
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import VisitType
from klinika.scheduling.services import setup as setup_services
from klinika.scheduling.services import waitlist
from klinika.scheduling.slots import ZONE, find_free_slots
from klinika.staff.models import Practitioner

router = Router(tags=["scheduling"])
MAX_DAYS = 31
# "from" and "to" are the query parameters' names; Python cannot name arguments so.
# Day and Moment refuse dates at the ends of the calendar (klinika.inputs) with a 400.
FROM = Query(..., alias="from")
TO = Query(..., alias="to")


class Error(Schema):
    detail: str


class SlotOut(Schema):
    practitioner_id: int
    practitioner_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    room: str | None = None


class AppointmentOut(Schema):
    id: int
    patient_id: int
    patient_name: str | None = None
    practitioner_id: int
    practitioner_name: str
    visit_type: str
    visit_type_id: int
    room: str | None = None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: str
    reason: str | None = None
    rescheduled_from_id: int | None = None


class BookIn(Schema):
    patient: int
    practitioner: int
    visit_type: int
    starts_at: Moment
    reason: str = ""


class CancelIn(Schema):
    reason: str


class RescheduleIn(Schema):
    starts_at: Moment
    practitioner: int | None = None
    visit_type: int | None = None


class VisitTypeOut(Schema):
    id: int
    code: str
    name: str
    duration_minutes: int


class WaitlistIn(Schema):
    patient: int
    visit_type: int
    earliest: Day
    latest: Day
    practitioner: int | None = None
    specialty: str | None = None


class WaitlistOut(Schema):
    id: int
    patient_id: int
    visit_type_id: int
    status: str
    earliest: datetime.date
    latest: datetime.date
    offered_practitioner_id: int | None = None
    offered_starts_at: datetime.datetime | None = None
    offer_expires_at: datetime.datetime | None = None


def conflicts_as_409(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SlotTaken as exc:
            return Status(409, {"detail": exc.messages[0]})

    return wrapper


def _name(practitioner) -> str:
    return f"{practitioner.title} {practitioner.staff.first_name} {practitioner.staff.last_name}".strip()


def appointment_out(user, a) -> dict:
    out = {"id": a.pk, "patient_id": a.patient_id, "practitioner_id": a.practitioner_id,
           "practitioner_name": _name(a.practitioner), "visit_type": a.visit_type.name,
           "visit_type_id": a.visit_type_id, "room": a.room.name if a.room else None,
           "starts_at": a.starts_at.astimezone(ZONE), "ends_at": a.ends_at.astimezone(ZONE), "status": a.status,
           "reason": services.visible_reason(user, a), "rescheduled_from_id": a.rescheduled_from_id}
    if can(user, "patients.view_demographics"):
        out["patient_name"] = f"{a.patient.first_name} {a.patient.last_name}"
    return out


@router.get("/visit-types", response=list[VisitTypeOut])
def visit_types(request):
    return [{"id": v.pk, "code": v.code, "name": v.name, "duration_minutes": v.duration_minutes}
            for v in setup_services.visit_types(request.auth)]


@router.get("/slots", response={200: list[SlotOut], 400: Error})
def slots(request, visit_type: int, date_from: Day = FROM,
          date_to: Day = TO, specialty: str | None = None,
          practitioner: int | None = None):
    """Free slots of one visit type between two dates (at most a month), for a specialty or a practitioner."""
    require(request.auth, "schedule.view")
    kind = VisitType.objects.filter(pk=visit_type).first()
    if kind is None:
        return Status(400, {"detail": _("Choose a visit type.")})
    if date_to < date_from or (date_to - date_from).days >= MAX_DAYS:
        return Status(400, {"detail": _("Ask for at most %(days)d days, the end not before the start.") % {
            "days": MAX_DAYS}})
    if practitioner is not None:
        get_object_or_404(Practitioner.objects, pk=practitioner)
    found = find_free_slots(visit_type=kind, specialty=specialty or None, practitioner=practitioner,
                            date_from=date_from, date_to=date_to)
    names = {p.pk: p for p in Practitioner.objects.select_related("staff").filter(
        pk__in={s.practitioner_id for s in found})}
    rooms = {r.pk: r.name for r in setup_services.rooms(request.auth)}
    return Status(200, [{"practitioner_id": s.practitioner_id, "practitioner_name": _name(names[s.practitioner_id]),
                         "starts_at": s.local_start, "ends_at": s.local_end, "room": rooms.get(s.room_id)}
                        for s in found])


@router.get("/appointments", response={200: list[AppointmentOut], 400: Error}, exclude_none=True)
def list_appointments(request, date_from: Day = FROM,
                      date_to: Day = TO, practitioner: int | None = None):
    if date_to < date_from or (date_to - date_from).days >= MAX_DAYS:
        return Status(400, {"detail": _("Ask for at most %(days)d days, the end not before the start.") % {
            "days": MAX_DAYS}})
    if practitioner is not None:
        get_object_or_404(Practitioner.objects, pk=practitioner)
    found = services.appointments_between(request.auth, date_from=date_from, date_to=date_to,
                                          practitioner=practitioner)
    return Status(200, [appointment_out(request.auth, a) for a in found])


@router.post("/appointments", response={201: AppointmentOut, 409: Error}, exclude_none=True)
@conflicts_as_409
def book(request, payload: BookIn):
    appointment = services.book(request.auth, patient=payload.patient, practitioner=payload.practitioner,
                                visit_type=payload.visit_type, starts_at=payload.starts_at, reason=payload.reason)
    return Status(201, appointment_out(request.auth, appointment))


@router.get("/appointments/{appointment_id}", response=AppointmentOut, exclude_none=True)
def get_appointment(request, appointment_id: int):
    return appointment_out(request.auth, services.get_appointment(request.auth, appointment_id))


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut, exclude_none=True)
def cancel(request, appointment_id: int, payload: CancelIn):
    return appointment_out(request.auth, services.cancel_appointment(request.auth, appointment_id, payload.reason))


@router.post("/appointments/{appointment_id}/check-in", response=AppointmentOut, exclude_none=True)
def check_in(request, appointment_id: int):
    return appointment_out(request.auth, services.check_in(request.auth, appointment_id))


@router.post("/appointments/{appointment_id}/no-show", response=AppointmentOut, exclude_none=True)
def no_show(request, appointment_id: int):
    return appointment_out(request.auth, services.mark_no_show(request.auth, appointment_id))


@router.post("/appointments/{appointment_id}/complete", response=AppointmentOut, exclude_none=True)
def complete(request, appointment_id: int):
    return appointment_out(request.auth, services.complete(request.auth, appointment_id))


@router.post("/appointments/{appointment_id}/reschedule", response={201: AppointmentOut, 409: Error},
             exclude_none=True)
@conflicts_as_409
def reschedule(request, appointment_id: int, payload: RescheduleIn):
    new = services.reschedule(request.auth, appointment_id, starts_at=payload.starts_at,
                              practitioner=payload.practitioner, visit_type=payload.visit_type)
    return Status(201, appointment_out(request.auth, new))


def waitlist_out(entry) -> dict:
    return {"id": entry.pk, "patient_id": entry.patient_id, "visit_type_id": entry.visit_type_id,
            "status": entry.status, "earliest": entry.earliest, "latest": entry.latest,
            "offered_practitioner_id": entry.offered_practitioner_id,
            "offered_starts_at": entry.offered_starts_at.astimezone(ZONE) if entry.offered_starts_at else None,
            "offer_expires_at": entry.offer_expires_at.astimezone(ZONE) if entry.offer_expires_at else None}


@router.get("/waitlist", response=list[WaitlistOut])
def list_waitlist(request):
    return [waitlist_out(e) for e in waitlist.waitlist_entries(request.auth)]


@router.post("/waitlist", response={201: WaitlistOut})
def add_to_waitlist(request, payload: WaitlistIn):
    entry = waitlist.add_to_waitlist(request.auth, patient=payload.patient, visit_type=payload.visit_type,
                                     earliest=payload.earliest, latest=payload.latest,
                                     practitioner=payload.practitioner, specialty=payload.specialty)
    return Status(201, waitlist_out(entry))


@router.post("/waitlist/{entry_id}/accept", response={201: AppointmentOut, 409: Error}, exclude_none=True)
@conflicts_as_409
def accept_offer(request, entry_id: int):
    return Status(201, appointment_out(request.auth, waitlist.accept_offer(request.auth, entry_id)))
