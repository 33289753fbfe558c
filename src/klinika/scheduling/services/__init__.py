"""Appointments: book, reschedule, cancel, check in, no-show, complete; and what staff may read of them.

Every operation checks the policy, runs in one transaction and writes its audit events.
The reason for a visit is health data: stored encrypted, shown only to roles with
schedule.view_reason (see `visible_reason`).
"""
import datetime
import functools
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.policy import can, require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.inputs import in_calendar
from klinika.patients.models import Patient
from klinika.scheduling import signals
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import Appointment, AppointmentStatus, SchedulingSettings, VisitType
from klinika.scheduling.slots import ZONE, local_date, local_midnight, offered_slot
from klinika.staff.models import Practitioner
from klinika.tenancy.context import require_clinic_id

S = AppointmentStatus
_ASK = object()  # insert_booking reads the patient's other visits itself
REASON_MAX = 500
CANCEL_REASON_MAX = 300
# Which status may follow which: anything else is refused with a clear message.
TRANSITIONS = {
    S.BOOKED: {S.CHECKED_IN, S.CANCELLED, S.NO_SHOW},
    S.CHECKED_IN: {S.COMPLETED},
}


# ---- reading ---------------------------------------------------------------------------------

def visible_reason(user, appointment) -> str | None:
    """The reason for the visit if this user's role may read it, else None (not even "empty")."""
    return appointment.reason if can(user, "schedule.view_reason") else None


def get_appointment(user, appointment_id) -> Appointment:
    require(user, "schedule.view")
    appointment = get_object_or_404(_with_people(Appointment.objects), pk=as_id(appointment_id))
    _record_reads(user, [appointment])
    return appointment


def appointments_between(user, *, date_from, date_to, practitioner=None, include_cancelled=True):
    """A calendar's appointments (local dates, both ends included), oldest first."""
    require(user, "schedule.view")
    qs = _with_people(Appointment.objects).filter(
        starts_at__gte=local_midnight(date_from), starts_at__lt=local_midnight(date_to + datetime.timedelta(days=1)))
    if practitioner is not None:
        qs = qs.filter(practitioner_id=getattr(practitioner, "pk", practitioner))
    if not include_cancelled:
        qs = qs.exclude(status=S.CANCELLED)
    appointments = list(qs.order_by("starts_at", "practitioner_id"))
    _record_reads(user, appointments)
    return appointments


def patient_appointments(user, patient_id, now=None):
    """(upcoming, past) appointments of one patient; 404 for another clinic's patient."""
    require(user, "schedule.view")
    patient = get_object_or_404(Patient.objects, pk=as_id(patient_id))
    now = now or timezone.now()
    appointments = list(_with_people(Appointment.objects).filter(patient=patient).order_by("starts_at"))
    _record_reads(user, appointments)
    upcoming = [a for a in appointments if a.ends_at > now and a.status in (S.HELD, S.BOOKED, S.CHECKED_IN)]
    past = [a for a in reversed(appointments) if a not in upcoming]
    return patient, upcoming, past


def _with_people(qs):
    # Schedules show who comes, never where they live or their document: that column stays sealed.
    return qs.select_related("patient", "practitioner__staff", "visit_type", "room").defer("patient__details")


def _record_reads(user, appointments):
    # Listing shows patients' names (and the reason, to some roles): each shown row is an access.
    for a in appointments:
        record(Action.READ, object_type="appointment", object_id=a.pk, subject_ref=a.patient.subject_ref)


# ---- booking ---------------------------------------------------------------------------------

def book(user, *, patient, practitioner, visit_type, starts_at, reason="") -> Appointment:
    """Book a slot that is really offered; a parallel booking of the same time gets SlotTaken."""
    require(user, "schedule.book")
    try:
        moment, bad_moment = parse_moment(starts_at), None
    except ValidationError as exc:  # said after the patient, practitioner and visit type, as always
        moment, bad_moment = None, exc
    ahead = _booking_preflight(patient, practitioner, visit_type, moment)
    patient = bookable_patient(ahead.patient or patient)
    practitioner = clinic_practitioner(ahead.practitioner or practitioner)
    visit_type = clinic_visit_type(ahead.visit_type or visit_type)
    if bad_moment is not None:
        raise bad_moment
    if ahead.held_here:  # only a held time can hold a lapsed offer: nothing to release otherwise
        _release_lapsed_hold(practitioner, moment)
    appointment = insert_booking(user, patient=patient, practitioner=practitioner, visit_type=visit_type,
                                 starts_at=moment, reason=_clean_reason(reason), horizon_days=ahead.horizon_days,
                                 patient_next_start=ahead.patient_next_start)
    signals.send_on_commit(signals.appointment_booked, appointment=appointment)
    return appointment


def insert_booking(user, *, patient, practitioner, visit_type, starts_at, reason, rescheduled_from=None,
                   horizon_days=None, patient_next_start=_ASK) -> Appointment:
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("This time has already passed. Choose a later slot.")})
    try:
        with transaction.atomic():
            # Offered at all (hours, extra hours, leave: the few rows around this time); whether it is
            # still free is the no-overlap constraint's answer at INSERT, race-free.
            slot = offered_slot(practitioner=practitioner, visit_type=visit_type, starts_at=starts_at,
                                include_taken=True, horizon_days=horizon_days)
            if slot is None:
                raise ValidationError({"starts_at": _(
                    "This practitioner does not offer this visit type at this time. Choose one of the free slots.")})
            if patient_next_start is _ASK:
                busy = Appointment.objects.filter(patient=patient, status__in=[S.BOOKED, S.CHECKED_IN],
                                                  starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at).exists()
            else:  # read by book() with its other checks
                busy = patient_next_start is not None and patient_next_start < slot.ends_at
            if busy:
                if offered_slot(practitioner=practitioner, visit_type=visit_type, starts_at=starts_at) is None:
                    raise SlotTaken()  # a taken slot says so first, as it always has
                raise ValidationError({"patient": _("The patient already has another visit at this time.")})
            appointment = Appointment(patient=patient, practitioner=practitioner, visit_type=visit_type,
                                      room_id=slot.room_id, starts_at=slot.starts_at, ends_at=slot.ends_at,
                                      reason=reason, booked_by=user if getattr(user, "pk", None) else None,
                                      rescheduled_from=rescheduled_from)
            appointment.save()
            record(Action.CREATE, object_type="appointment", object_id=appointment.pk,
                   subject_ref=patient.subject_ref,
                   reason=f"rescheduled from {rescheduled_from.pk}" if rescheduled_from else "booked")
    except IntegrityError as exc:
        if is_overlap_error(exc):
            raise SlotTaken() from None
        raise
    except OperationalError as exc:
        # Two inserts racing for one slot can also meet as a deadlock in PostgreSQL's exclusion
        # check; the loser gets the same clear answer as for the constraint itself.
        if getattr(exc.__cause__, "sqlstate", None) == "40P01":
            raise SlotTaken() from None
        raise
    return appointment


def is_overlap_error(exc: IntegrityError) -> bool:
    """The database's no-overlap guard (migration 0003): the exclusion constraint or the SQLite trigger."""
    return "appointment_no_overlap" in str(exc)


def reschedule(user, appointment_id, *, starts_at, practitioner=None, visit_type=None) -> Appointment:
    """A new appointment (linked by rescheduled_from) and the old one cancelled, together or not at all."""
    require(user, "schedule.book")
    starts_at = parse_moment(starts_at)
    with transaction.atomic():
        old = _locked(appointment_id)
        _check_transition(old, S.CANCELLED, _("rescheduled"))
        new_practitioner = clinic_practitioner(practitioner) if practitioner else old.practitioner
        new_visit_type = clinic_visit_type(visit_type) if visit_type else old.visit_type
        old.status, old.cancelled_at = S.CANCELLED, timezone.now()
        old.save(update_fields=["status", "cancelled_at", "updated_at"])
        new = insert_booking(user, patient=old.patient, practitioner=new_practitioner, visit_type=new_visit_type,
                    starts_at=starts_at, reason=old.reason, rescheduled_from=old)
        record(Action.UPDATE, object_type="appointment", object_id=old.pk, subject_ref=old.patient.subject_ref,
               reason=f"rescheduled to {new.pk}")
        _offer_freed(old)
    signals.send_on_commit(signals.appointment_rescheduled, appointment=new)
    return new


def cancel_appointment(user, appointment_id, reason="", *, patient_link=False) -> Appointment:
    """Cancel a booked visit; the freed slot is offered to the first fitting waitlist entry.

    patient_link=True (with user=None): the patient cancels through a reminder's reply link,
    which the caller has already verified; no staff policy applies then.
    """
    if patient_link and user is None:
        reason = (reason or "").strip()[:CANCEL_REASON_MAX]
    else:
        require(user, "schedule.book")
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("Say why the visit is cancelled.")})
        if len(reason) > CANCEL_REASON_MAX:
            raise ValidationError({"reason": _("The reason may have at most %(max)d characters.") % {
                "max": CANCEL_REASON_MAX}})
    with transaction.atomic():
        appointment = _locked(appointment_id)
        _check_transition(appointment, S.CANCELLED, _("cancelled"))
        if appointment.starts_at <= timezone.now():
            raise ValidationError(_("This visit has already started; mark it as a no-show instead."))
        appointment.status, appointment.cancelled_at = S.CANCELLED, timezone.now()
        appointment.cancel_reason = reason
        appointment.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        record(Action.UPDATE, object_type="appointment", object_id=appointment.pk,
               subject_ref=appointment.patient.subject_ref,
               reason="cancelled by the patient (reply link)" if patient_link else "cancelled")
        _offer_freed(appointment)
    signals.send_on_commit(signals.appointment_cancelled, appointment=appointment)
    return appointment


def check_in(user, appointment_id) -> Appointment:
    require(user, "schedule.check_in")

    def guard(appointment, now):
        if local_date(appointment.starts_at) != local_date(now):
            raise ValidationError(_("A patient can be checked in only on the day of the visit."))
        appointment.checked_in_at = now
        return ["checked_in_at"]

    return _change_status(appointment_id, S.CHECKED_IN, _("checked in"), guard)


def mark_no_show(user, appointment_id) -> Appointment:
    require(user, "schedule.complete")

    def guard(appointment, now):
        if appointment.starts_at > now:
            raise ValidationError(_("A visit can be marked as missed only after its start time."))
        return []

    return _change_status(appointment_id, S.NO_SHOW, _("marked as a no-show"), guard)


def complete(user, appointment_id) -> Appointment:
    require(user, "schedule.complete")
    return _change_status(appointment_id, S.COMPLETED, _("completed"), lambda appointment, now: [])


def _change_status(appointment_id, status, verb, guard) -> Appointment:
    with transaction.atomic():
        appointment = _locked(appointment_id)
        _check_transition(appointment, status, verb)
        extra_fields = guard(appointment, timezone.now())
        appointment.status = status
        appointment.save(update_fields=["status", "updated_at", *extra_fields])
        record(Action.UPDATE, object_type="appointment", object_id=appointment.pk,
               subject_ref=appointment.patient.subject_ref, reason=str(status))
    signals.send_on_commit(signals.appointment_status_changed, appointment=appointment)
    return appointment


def _check_transition(appointment, status, verb):
    if status not in TRANSITIONS.get(appointment.status, set()):
        raise ValidationError(_("A visit that is %(status)s cannot be %(action)s.") % {
            "status": appointment.get_status_display(), "action": verb})


def _locked(appointment_id) -> Appointment:
    return get_object_or_404(_with_people(Appointment.objects).select_for_update(of=("self",)),
                             pk=as_id(appointment_id))


def _release_lapsed_hold(practitioner, starts_at):
    """A waitlist hold on this exact time whose offer has lapsed gives way to the booking (waitlist.py)."""
    from klinika.scheduling.services.waitlist import release_lapsed_hold_at

    release_lapsed_hold_at(practitioner, parse_moment(starts_at))


def _offer_freed(appointment):
    from klinika.scheduling.services.waitlist import offer_freed_slot

    offer_freed_slot(appointment)


# ---- input -----------------------------------------------------------------------------------

def as_id(value) -> int:
    """Ids come from URLs, forms and JSON: anything but a whole number matches nothing."""
    value = getattr(value, "pk", value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return -1


def parse_moment(value) -> datetime.datetime:
    """An aware datetime from a datetime or ISO 8601 text; a time without offset is clinic-local."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({"starts_at": _("Give the start as a date and time, e.g. 2026-03-02T09:30.")}) \
                from None
    if not isinstance(value, datetime.datetime):
        raise ValidationError({"starts_at": _("Give the start as a date and time, e.g. 2026-03-02T09:30.")})
    in_calendar(value, "starts_at")
    if timezone.is_naive(value):
        value = value.replace(tzinfo=ZONE)
    return value


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("The reason may have at most %(max)d characters.") % {"max": REASON_MAX}})
    return reason


# What booking needs of a patient and a practitioner: status, clinic and key reference. Nothing
# encrypted is loaded, so nothing is decrypted (a later read of another field loads it then).
PATIENT_STATUS_FIELDS = ("id", "clinic_id", "is_active", "merged_into_id", "subject_ref")
PRACTITIONER_STATUS_FIELDS = ("id", "clinic_id", "is_active", "staff_id")
_SUBJECT_REF = Patient._meta.get_field("subject_ref")


class _Ahead(NamedTuple):
    patient: Patient | None
    practitioner: Practitioner | None
    visit_type: VisitType | None
    horizon_days: int | None
    held_here: bool
    # The earliest start of the patient's booked or checked-in visits that end after this time:
    # the visit overlaps one of them exactly when it ends after that start.
    patient_next_start: datetime.datetime | None


@functools.cache
def _preflight_sql(vendor: str) -> str:
    def t(model):
        return connection.ops.quote_name(model._meta.db_table)
    # On PostgreSQL as the no-overlap constraint's expression and predicate: its GiST index answers it
    # (a btree on starts_at <= t would read the practitioner's whole past).
    held_at = ("""a."status" <> 'cancelled' AND tstzrange(a."starts_at", a."ends_at", '[)') @> %s::timestamptz"""
               if vendor == "postgresql" else 'a."starts_at" <= %s AND a."ends_at" > %s')
    return f"""SELECT p."id", p."is_active", p."merged_into_id", p."subject_ref",
               pr."id", pr."is_active", pr."staff_id", vt."id", vt."code", vt."name", vt."duration_minutes",
               (SELECT s."planning_horizon_days" FROM {t(SchedulingSettings)} s WHERE s."clinic_id" = %s),
               EXISTS (SELECT 1 FROM {t(Appointment)} a WHERE a."clinic_id" = %s AND a."practitioner_id" = %s
                       AND a."status" = %s AND {held_at}),
               (SELECT MIN(b."starts_at") FROM {t(Appointment)} b WHERE b."clinic_id" = %s AND b."patient_id" = %s
                       AND b."status" IN (%s, %s) AND b."ends_at" > %s)
        FROM (SELECT 1 AS one) one
        LEFT JOIN {t(Patient)} p ON p."id" = %s AND p."clinic_id" = %s
        LEFT JOIN {t(Practitioner)} pr ON pr."id" = %s AND pr."clinic_id" = %s
        LEFT JOIN {t(VisitType)} vt ON vt."id" = %s AND vt."clinic_id" = %s"""


def _pk_param(value):
    pk = getattr(value, "pk", value)
    try:
        return int(pk)
    except (TypeError, ValueError):
        return None  # not an id: found nowhere, refused below with the usual message


def _booking_preflight(patient, practitioner, visit_type, moment) -> _Ahead:
    """What a booking checks before its transaction, in one statement instead of five: the patient's,
    practitioner's and visit type's rows (ids given), the planning horizon, and whether any held
    appointment stands at this time (then a lapsed hold may have to give way)."""
    clinic = Patient._meta.get_field("clinic").target_field.get_db_prep_value(require_clinic_id(), connection)
    at = connection.ops.adapt_datetimefield_value(moment) if moment is not None else None
    pid = _pk_param(practitioner)
    with connection.cursor() as cursor:
        cursor.execute(_preflight_sql(connection.vendor), [
            clinic, clinic, pid, str(S.HELD), *([at] if connection.vendor == "postgresql" else [at, at]),
            clinic, _pk_param(patient), str(S.BOOKED), str(S.CHECKED_IN), at,
            _pk_param(patient), clinic, pid, clinic, _pk_param(visit_type), clinic])
        row = cursor.fetchone()
    clinic_id = require_clinic_id()
    found_patient = found_practitioner = found_visit_type = None
    if row[0] is not None and not isinstance(patient, Patient):
        found_patient = Patient.from_db(connection.alias, PATIENT_STATUS_FIELDS, [
            row[0], clinic_id, row[3] if row[3] is None else _SUBJECT_REF.to_python(row[3]),
            row[2], bool(row[1])])
    if row[4] is not None and not isinstance(practitioner, Practitioner):
        found_practitioner = Practitioner.from_db(connection.alias, PRACTITIONER_STATUS_FIELDS,
                                                  [row[4], clinic_id, row[6], bool(row[5])])
    if row[7] is not None and not isinstance(visit_type, VisitType):
        found_visit_type = VisitType.from_db(connection.alias, [f.attname for f in VisitType._meta.concrete_fields],
                                             [row[7], clinic_id, row[8], row[9], row[10]])
    horizon = row[11] if row[11] is not None else SchedulingSettings().planning_horizon_days  # no row: defaults
    next_start = row[13]
    if isinstance(next_start, str):  # SQLite: text, as the ORM would convert it
        next_start = connection.ops.convert_datetimefield_value(next_start, None, connection)
    return _Ahead(found_patient, found_practitioner, found_visit_type, horizon, bool(row[12]), next_start)


def bookable_patient(value) -> Patient:
    patient = (value if isinstance(value, Patient)
               else Patient.objects.only(*PATIENT_STATUS_FIELDS).filter(pk=as_id(value)).first())
    if (patient is None or patient.clinic_id != require_clinic_id() or not patient.is_active
            or patient.merged_into_id):
        raise ValidationError({"patient": _("Choose a patient of this clinic.")})
    return patient


def clinic_practitioner(value) -> Practitioner:
    practitioner = (value if isinstance(value, Practitioner)
                    else Practitioner.objects.only(*PRACTITIONER_STATUS_FIELDS).filter(pk=as_id(value)).first())
    if practitioner is None or practitioner.clinic_id != require_clinic_id() or not practitioner.is_active:
        raise ValidationError({"practitioner": _("Choose a practitioner of this clinic.")})
    return practitioner


def clinic_visit_type(value) -> VisitType:
    visit_type = value if isinstance(value, VisitType) else VisitType.objects.filter(pk=as_id(value)).first()
    if visit_type is None or visit_type.clinic_id != require_clinic_id():
        raise ValidationError({"visit_type": _("Choose a visit type.")})
    return visit_type
