"""Bulk import of schedules (weekly hours, leave) and appointments, history included: the path real imports
and the generator share.

History goes in as it happened: past appointments with their real dates, their booking moment
(created_at) and their end state (completed, no-show, cancelled), in one insert; nothing is
dated back afterwards. Each chunk is one transaction; a refused row stops its chunk and is named
with its field. The database keeps its own guards in force: an appointment that overlaps another
one of the practitioner (exclusion constraint on PostgreSQL, trigger on SQLite) fails the chunk.
One CREATE audit event per record, reason "imported".
"""
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klinika.audit.context import Actor
from klinika.audit.models import Action
from klinika.audit.services import record_many
from klinika.bulk import CHUNK, IMPORTED, ImportRejected, RowProblem, import_in_chunks, problems_of
from klinika.crypto import keystore
from klinika.inputs import calendar_date
from klinika.patients.models import Patient
from klinika.scheduling.models import (
    TIME_HOLDING,
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    VisitType,
    WeeklyAvailability,
)
from klinika.scheduling.services import CANCEL_REASON_MAX, REASON_MAX, is_overlap_error, parse_moment
from klinika.scheduling.services.setup import SLOT_MINUTES, VISIT_MINUTES, time_of_day, whole_number_in
from klinika.staff.models import Practitioner

S = AppointmentStatus
# End states only a visit that has begun can have.
PAST_ONLY = {S.COMPLETED, S.NO_SHOW, S.CHECKED_IN}


@dataclass
class BulkResult:
    count: int = 0
    ids: list = field(default_factory=list)  # in row order


def _run(clinic, rows, chunk_size, one_chunk) -> BulkResult:
    return import_in_chunks(clinic, rows, chunk_size, one_chunk, BulkResult())


# ---- visit types -------------------------------------------------------------------------------

def import_visit_types(clinic, rows: Iterable[dict], *, actor: Actor) -> BulkResult:
    """rows: name, duration_minutes, code (optional; from the name)."""
    def one_chunk(clinic, chunk, first, result):
        problems, types, codes = [], [], set(VisitType.objects.values_list("code", flat=True))
        for i, row in enumerate(chunk, start=first):
            name = " ".join(str(row.get("name") or "").split())
            code = slugify(row.get("code") or name)[:30]
            try:
                if not name or len(name) > 80:
                    raise ValidationError({"name": _("Enter a name of at most %(max)d characters.") % {"max": 80}})
                minutes = whole_number_in(row.get("duration_minutes"), "duration_minutes", VISIT_MINUTES)
                if not code or code in codes:
                    raise ValidationError({"code": _("A visit type with this code already exists.")})
            except ValidationError as error:
                problems.extend(problems_of(error, i))
                continue
            codes.add(code)
            types.append(VisitType(clinic=clinic, code=code, name=name, duration_minutes=minutes))
        if problems:
            raise ImportRejected(problems)
        VisitType.objects.bulk_create(types)
        record_many(Action.CREATE, [("visit-type", t.pk, None) for t in types], reason=IMPORTED,
                    clinic_id=clinic.id, actor=actor)
        result.count += len(types)
        result.ids.extend(t.pk for t in types)

    return _run(clinic, rows, CHUNK, one_chunk)


# ---- weekly hours ------------------------------------------------------------------------------

def import_weekly_hours(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK) -> BulkResult:
    """rows: practitioner_id, weekday (0 = Monday), start_time, end_time, visit_type_ids, valid_from,
    and optionally slot_minutes (15), valid_until, room_id. Hours of one practitioner never overlap
    (same weekday, overlapping times and validity): such a row is refused."""
    def one_chunk(clinic, chunk, first, result):
        practitioners = set(Practitioner.objects.filter(
            pk__in={row.get("practitioner_id") for row in chunk}, is_active=True).values_list("pk", flat=True))
        visit_types = set(VisitType.objects.values_list("pk", flat=True))
        existing = list(WeeklyAvailability.objects.filter(practitioner_id__in=practitioners))
        problems, hours, types = [], [], []
        for i, row in enumerate(chunk, start=first):
            try:
                item = _clean_hours(clinic, row, practitioners, visit_types)
                clash = next((h for h in existing + hours if _hours_overlap(h, item)), None)
                if clash is not None:
                    raise ValidationError({"start_time": _("These hours overlap other hours of the practitioner.")})
            except ValidationError as error:
                problems.extend(problems_of(error, i))
                continue
            hours.append(item)
            types.append(row["visit_type_ids"])
        if problems:
            raise ImportRejected(problems)
        WeeklyAvailability.objects.bulk_create(hours)
        through = WeeklyAvailability.visit_types.through
        through.objects.bulk_create([through(weeklyavailability_id=h.pk, visittype_id=t)
                                     for h, ids in zip(hours, types, strict=True) for t in dict.fromkeys(ids)])
        record_many(Action.CREATE, [("availability", h.pk, None) for h in hours], reason=IMPORTED,
                    clinic_id=clinic.id, actor=actor)
        result.count += len(hours)
        result.ids.extend(h.pk for h in hours)

    return _run(clinic, rows, chunk_size, one_chunk)


def _clean_hours(clinic, row, practitioners, visit_types) -> WeeklyAvailability:
    if row.get("practitioner_id") not in practitioners:
        raise ValidationError({"practitioner": _("Choose a practitioner of this clinic.")})
    weekday = row.get("weekday")
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValidationError({"weekday": _("Choose a day of the week.")})
    start, end = time_of_day(row.get("start_time"), "start_time"), time_of_day(row.get("end_time"), "end_time")
    if end <= start:
        raise ValidationError({"end_time": _("The hours must end after they start.")})
    valid_from = calendar_date(row.get("valid_from"), "valid_from")
    valid_until = calendar_date(row["valid_until"], "valid_until") if row.get("valid_until") else None
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The last day must not be before the first day.")})
    ids = list(row.get("visit_type_ids") or [])
    if not ids or not set(ids) <= visit_types:
        raise ValidationError({"visit_types": _("Choose the visit types offered in these hours.")})
    return WeeklyAvailability(
        clinic=clinic, practitioner_id=row["practitioner_id"], weekday=weekday, start_time=start, end_time=end,
        slot_minutes=whole_number_in(row.get("slot_minutes", 15), "slot_minutes", SLOT_MINUTES),
        room_id=row.get("room_id"), valid_from=valid_from, valid_until=valid_until)


def _hours_overlap(a: WeeklyAvailability, b: WeeklyAvailability) -> bool:
    far = datetime.date.max
    return (a.practitioner_id == b.practitioner_id and a.weekday == b.weekday
            and a.start_time < b.end_time and b.start_time < a.end_time
            and a.valid_from <= (b.valid_until or far) and b.valid_from <= (a.valid_until or far))


# ---- leave and extra hours ---------------------------------------------------------------------

NOTE_MAX = 200


def import_exceptions(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK) -> BulkResult:
    """rows: practitioner_id, kind ("unavailable": leave, no slots; "extra": more hours), starts_at, ends_at,
    and optionally note, slot_minutes and visit_type_ids (extra hours). The rules of setup.add_exception."""
    def one_chunk(clinic, chunk, first, result):
        practitioners = set(Practitioner.objects.filter(
            pk__in={row.get("practitioner_id") for row in chunk}).values_list("pk", flat=True))
        visit_types = set(VisitType.objects.values_list("pk", flat=True))
        problems, items, types = [], [], []
        for i, row in enumerate(chunk, start=first):
            try:
                items.append(_clean_exception(clinic, row, practitioners, visit_types))
            except ValidationError as error:
                problems.extend(problems_of(error, i))
                continue
            types.append(row.get("visit_type_ids") or [])
        if problems:
            raise ImportRejected(problems)
        AvailabilityException.objects.bulk_create(items)
        through = AvailabilityException.visit_types.through
        through.objects.bulk_create([through(availabilityexception_id=e.pk, visittype_id=t)
                                     for e, ids in zip(items, types, strict=True) for t in dict.fromkeys(ids)])
        record_many(Action.CREATE, [("availability-exception", e.pk, None) for e in items], reason=IMPORTED,
                    clinic_id=clinic.id, actor=actor)
        result.count += len(items)
        result.ids.extend(e.pk for e in items)

    return _run(clinic, rows, chunk_size, one_chunk)


def _clean_exception(clinic, row, practitioners, visit_types) -> AvailabilityException:
    if row.get("practitioner_id") not in practitioners:
        raise ValidationError({"practitioner": _("Choose a practitioner of this clinic.")})
    kind = row.get("kind")
    if kind not in AvailabilityException.Kind.values:
        raise ValidationError({"kind": _("Choose leave or extra hours.")})
    starts_at, ends_at = _moment(row.get("starts_at"), "starts_at"), _moment(row.get("ends_at"), "ends_at")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    slot = row.get("slot_minutes")
    slot = whole_number_in(slot, "slot_minutes", SLOT_MINUTES) if slot not in (None, "") else None
    if not set(row.get("visit_type_ids") or []) <= visit_types:
        raise ValidationError({"visit_types": _("Choose the visit types offered in these hours.")})
    note = str(row.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("The note may have at most %(max)d characters.") % {"max": NOTE_MAX}})
    return AvailabilityException(clinic=clinic, practitioner_id=row["practitioner_id"], kind=kind,
                                 starts_at=starts_at, ends_at=ends_at, slot_minutes=slot, note=note)


# ---- appointments ------------------------------------------------------------------------------

def import_appointments(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK,
                        now: datetime.datetime | None = None) -> BulkResult:
    """rows: patient_id, practitioner_id, visit_type_id, starts_at, status, and optionally ends_at (from
    the visit type's length), booked_at (when it was booked; now), reason, cancel_reason,
    cancelled_at, checked_in_at, room_id. Completed and no-show visits must lie in the past."""
    now = now or timezone.now()

    def one_chunk(clinic, chunk, first, result):
        patients = {p.pk: p for p in Patient.objects.defer("personal", "details").filter(
            pk__in={row.get("patient_id") for row in chunk}, is_active=True)}
        practitioners = set(Practitioner.objects.filter(
            pk__in={row.get("practitioner_id") for row in chunk}).values_list("pk", flat=True))
        visit_types = {t.pk: t for t in VisitType.objects.all()}
        problems, items = [], []
        for i, row in enumerate(chunk, start=first):
            try:
                items.append((i, _clean_appointment(clinic, row, patients, practitioners, visit_types, now)))
            except ValidationError as error:
                problems.extend(problems_of(error, i))
        problems.extend(_overlaps_within(items))
        if problems:
            raise ImportRejected(sorted(problems, key=lambda p: p.row))
        appointments = [a for _i, a in items]
        refs = {a.patient.subject_ref for a in appointments}
        keystore.load_subject_keys(clinic.id, refs)  # one keystore query, not one per patient
        transaction.on_commit(lambda: keystore.forget_subject_keys(clinic.id, refs))
        try:
            with transaction.atomic():
                Appointment.objects.bulk_create(appointments)
        except IntegrityError as error:
            if not is_overlap_error(error):
                raise
            raise ImportRejected([RowProblem(first, "starts_at", _(
                "Rows %(first)d-%(last)d: an appointment overlaps one already stored for its practitioner.")
                % {"first": first, "last": first + len(chunk) - 1})]) from None
        record_many(Action.CREATE, [("appointment", a.pk, a.patient.subject_ref) for a in appointments],
                    reason=IMPORTED, clinic_id=clinic.id, actor=actor)
        result.count += len(appointments)
        result.ids.extend(a.pk for a in appointments)

    return _run(clinic, rows, chunk_size, one_chunk)


def _moment(value, name) -> datetime.datetime:
    try:
        return parse_moment(value)
    except ValidationError:
        raise ValidationError({name: _("Give a date and time, e.g. 2026-03-02T09:30.")}) from None


def _clean_appointment(clinic, row, patients, practitioners, visit_types, now) -> Appointment:
    patient = patients.get(row.get("patient_id"))
    if patient is None:
        raise ValidationError({"patient": _("Choose a patient of this clinic.")})
    if row.get("practitioner_id") not in practitioners:
        raise ValidationError({"practitioner": _("Choose a practitioner of this clinic.")})
    visit_type = visit_types.get(row.get("visit_type_id"))
    if visit_type is None:
        raise ValidationError({"visit_type": _("Choose a visit type.")})
    status = row.get("status") or S.BOOKED
    # "held" belongs to a live waitlist offer, which an import does not bring along.
    if status not in S.values or status == S.HELD:
        raise ValidationError({"status": _("Choose a status from the list.")})
    starts_at = _moment(row.get("starts_at"), "starts_at")
    ends_at = (_moment(row["ends_at"], "ends_at") if row.get("ends_at")
               else starts_at + datetime.timedelta(minutes=visit_type.duration_minutes))
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The visit must end after it starts.")})
    if status in PAST_ONLY and starts_at > now:
        raise ValidationError({"status": _("Only a visit that has begun can be checked in, completed or missed.")})
    booked_at = _moment(row["booked_at"], "booked_at") if row.get("booked_at") else now
    if booked_at > now or booked_at > starts_at:
        raise ValidationError({"booked_at": _("A visit is booked before it starts, and not in the future.")})
    cancelled_at = None
    if status == S.CANCELLED:
        cancelled_at = _moment(row["cancelled_at"], "cancelled_at") if row.get("cancelled_at") else now
        if not booked_at <= cancelled_at <= now:
            raise ValidationError({"cancelled_at": _("A visit is cancelled after it was booked, and not in the "
                                                     "future.")})
    checked_in_at = _moment(row["checked_in_at"], "checked_in_at") if row.get("checked_in_at") else None
    reason = str(row.get("reason") or "").strip()
    cancel_reason = str(row.get("cancel_reason") or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("The reason may have at most %(max)d characters.") % {"max": REASON_MAX}})
    if len(cancel_reason) > CANCEL_REASON_MAX:
        raise ValidationError({"cancel_reason": _("The reason may have at most %(max)d characters.")
                               % {"max": CANCEL_REASON_MAX}})
    return Appointment(clinic=clinic, patient=patient, practitioner_id=row["practitioner_id"], visit_type=visit_type,
                       room_id=row.get("room_id"), starts_at=starts_at, ends_at=ends_at, status=status,
                       reason=reason, cancel_reason=cancel_reason, created_at=booked_at,
                       cancelled_at=cancelled_at, checked_in_at=checked_in_at)


def _overlaps_within(items) -> list[RowProblem]:
    """Rows of one chunk that overlap each other (named here; the database names no row)."""
    problems = []
    holding = sorted(((a.practitioner_id, a.starts_at, a.ends_at, i) for i, a in items if a.status in TIME_HOLDING))
    latest = None  # (practitioner, end, row) of the appointment that ends last so far
    for practitioner, starts_at, ends_at, i in holding:
        if latest is not None and latest[0] == practitioner and starts_at < latest[1]:
            problems.append(RowProblem(i, "starts_at", _("Overlaps row %(row)d of the same practitioner.")
                                       % {"row": latest[2]}))
        if latest is None or latest[0] != practitioner or ends_at > latest[1]:
            latest = (practitioner, ends_at, i)
    return problems
