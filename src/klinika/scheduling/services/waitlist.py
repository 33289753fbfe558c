"""The waitlist: patients who want an earlier visit get the next freed slot that fits.

An offer holds its slot: with the offer an `Appointment` in status "held" is written for the
patient, so the database's no-overlap guard keeps everyone else off that time while the
patient decides. The desk, or the patient through the link in the message that tells them
of it (waitlist_offers), accepts it and the hold becomes "booked"; a declined, withdrawn or
lapsed offer (at `offer_expires_at`) sets the hold "cancelled" and offers the time to the next
in line. Lapsed holds are released by the worker (`release_lapsed_holds`, every round) and,
for one exact slot, by the booking path itself (`release_lapsed_hold_at`).
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.inputs import calendar_date
from klinika.scheduling import signals
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import Appointment, AppointmentStatus, WaitlistEntry, WaitlistOffer
from klinika.scheduling.services import (
    as_id,
    bookable_patient,
    clinic_practitioner,
    clinic_visit_type,
    insert_booking,
    is_overlap_error,
)
from klinika.scheduling.slots import local_date, offered_slot
from klinika.staff.models import Specialty

W = WaitlistEntry.Status
S = AppointmentStatus
OFFER_HOURS = 24


def add_to_waitlist(user, *, patient, visit_type, earliest, latest, practitioner=None, specialty=None):
    require(user, "schedule.book")
    patient, visit_type = bookable_patient(patient), clinic_visit_type(visit_type)
    practitioner = clinic_practitioner(practitioner) if practitioner else None
    specialty_row = None
    if specialty:
        specialty_row = Specialty.objects.filter(code=getattr(specialty, "code", specialty)).first()
        if specialty_row is None:
            raise ValidationError({"specialty": _("Unknown specialty code.")})
    earliest, latest = calendar_date(earliest, "earliest"), calendar_date(latest, "latest")
    if latest < earliest:
        raise ValidationError({"latest": _("The last day must not be before the first day.")})
    if latest < local_date(timezone.now()):
        raise ValidationError({"latest": _("The last day has already passed.")})
    with transaction.atomic():
        entry = WaitlistEntry(patient=patient, visit_type=visit_type, practitioner=practitioner,
                              specialty=specialty_row, earliest=earliest, latest=latest)
        entry.save()
        record(Action.CREATE, object_type="waitlist-entry", object_id=entry.pk, subject_ref=patient.subject_ref)
    return entry


def waitlist_entries(user):
    """Waiting and offered entries, oldest first (each shown row is an access to a patient).

    Each has `current_offer`: its latest offer (whose message says whether the patient was told), or None."""
    require(user, "schedule.book")
    entries = list(WaitlistEntry.objects.filter(status__in=[W.WAITING, W.OFFERED]).select_related(
        "patient", "practitioner__staff", "offered_practitioner__staff", "specialty", "visit_type")
        .prefetch_related(Prefetch("offers", queryset=WaitlistOffer.objects.order_by("pk")))
        .order_by("created_at", "pk"))
    for entry in entries:
        offers = list(entry.offers.all())
        entry.current_offer = offers[-1] if offers else None
        record(Action.READ, object_type="waitlist-entry", object_id=entry.pk, subject_ref=entry.patient.subject_ref)
    return entries


def offer_is_open(entry, now=None) -> bool:
    return entry.status == W.OFFERED and entry.offer_expires_at is not None and \
        entry.offer_expires_at > (now or timezone.now())


def offer_freed_slot(appointment, now=None) -> WaitlistEntry | None:
    """Offer the time a cancelled appointment held to the first waiting entry it fits (same transaction)."""
    return offer_slot(appointment.practitioner, appointment.starts_at, skip_patient_id=appointment.patient_id,
                      why=f"offered the slot freed by appointment {appointment.pk}", now=now)


def offer_slot(practitioner, starts_at, *, skip_patient_id=None, why="offered a freed slot", now=None):
    now = now or timezone.now()
    if starts_at <= now:
        return None
    day = local_date(starts_at)
    fits = (Q(practitioner=practitioner)
            | Q(practitioner__isnull=True, specialty__isnull=True)
            | Q(practitioner__isnull=True, specialty__in=practitioner.specialties.all()))
    open_to_offers = Q(status=W.WAITING) | Q(status=W.OFFERED, offer_expires_at__lte=now)
    candidates = (WaitlistEntry.objects.select_for_update().filter(open_to_offers, fits, earliest__lte=day,
                                                                   latest__gte=day)
                  .exclude(patient_id=skip_patient_id).select_related("patient", "visit_type")
                  .order_by("created_at", "pk"))
    free_for: dict = {}
    for entry in candidates:
        if entry.visit_type_id not in free_for:
            free_for[entry.visit_type_id] = offered_slot(
                practitioner=practitioner, visit_type=entry.visit_type, starts_at=starts_at, now=now)
        slot = free_for[entry.visit_type_id]
        if slot is None:
            continue
        if entry.status == W.OFFERED:  # its own earlier offer lapsed: that hold goes first
            _release_hold(entry, "offer expired")
        hold = _hold(entry, practitioner, slot)
        if hold is None:
            free_for[entry.visit_type_id] = None
            continue
        entry.status, entry.offered_practitioner, entry.appointment = W.OFFERED, practitioner, hold
        entry.offered_starts_at = starts_at
        entry.offer_expires_at = min(now + datetime.timedelta(hours=OFFER_HOURS), starts_at)
        entry.save(update_fields=["status", "offered_practitioner", "offered_starts_at", "offer_expires_at",
                                  "appointment"])
        record(Action.UPDATE, object_type="waitlist-entry", object_id=entry.pk, subject_ref=entry.patient.subject_ref,
               reason=why)
        _tell_the_patient(entry)
        signals.send_on_commit(signals.waitlist_offer_made, entry=entry)
        return entry
    return None


def _hold(entry, practitioner, slot) -> Appointment | None:
    """The "held" appointment that keeps the offered time for the entry's patient; None if it was taken."""
    hold = Appointment(patient=entry.patient, practitioner=practitioner, visit_type=entry.visit_type,
                       room_id=slot.room_id, starts_at=slot.starts_at, ends_at=slot.ends_at, status=S.HELD)
    try:
        with transaction.atomic():
            hold.save()
    except IntegrityError as exc:
        if is_overlap_error(exc):
            return None
        raise
    record(Action.CREATE, object_type="appointment", object_id=hold.pk, subject_ref=entry.patient.subject_ref,
           reason=f"held for waitlist entry {entry.pk}")
    return hold


def _release_hold(entry, why):
    """Set the entry's held appointment (if it still holds the time) cancelled: the time is free again."""
    hold = entry.appointment
    if hold is None:
        return
    now = timezone.now()
    released = Appointment.objects.filter(pk=hold.pk, status=S.HELD).update(
        status=S.CANCELLED, cancelled_at=now, updated_at=now)
    if released:
        hold.status = S.CANCELLED
        record(Action.UPDATE, object_type="appointment", object_id=hold.pk, subject_ref=entry.patient.subject_ref,
               reason=f"hold released: {why}")
    entry.appointment = None


def release_lapsed_holds(now=None) -> int:
    """Release every held slot whose offer has lapsed (or that no open offer backs) in the clinic in context,
    and offer each freed time to the next in line. The worker runs this every round."""
    now = now or timezone.now()
    released = 0
    for hold_id in list(_lapsed_holds(now).values_list("pk", flat=True)):
        with transaction.atomic():
            released += _release_lapsed(hold_id, now, pass_on=True)
    return released


def release_lapsed_hold_at(practitioner, starts_at, now=None) -> None:
    """Booking this exact time: a hold on it whose offer has lapsed must not stand in the way (not passed on:
    the desk is booking the time)."""
    now = now or timezone.now()
    lapsed = _lapsed_holds(now).filter(practitioner=practitioner, starts_at__lte=starts_at, ends_at__gt=starts_at)
    for hold_id in list(lapsed.values_list("pk", flat=True)):
        with transaction.atomic():
            _release_lapsed(hold_id, now, pass_on=False)


def release_hold_of(hold, why) -> None:
    """The held time is gone (e.g. the practitioner's leave): the hold is cancelled and its patient waits again."""
    entry = (WaitlistEntry.objects.select_for_update(of=("self",)).select_related("patient")
             .filter(appointment=hold, status=W.OFFERED).first())
    if entry is None:
        _release_hold(WaitlistEntry(patient=hold.patient, appointment=hold), why)
        return
    entry.appointment = hold
    _back_to_waiting(entry, why)


def _lapsed_holds(now):
    open_offers = WaitlistEntry.objects.filter(status=W.OFFERED, offer_expires_at__gt=now,
                                               appointment__isnull=False).values("appointment_id")
    return Appointment.objects.filter(status=S.HELD).exclude(pk__in=open_offers)


def _release_lapsed(hold_id, now, *, pass_on) -> int:
    # Entry before hold, the order in which accepting an offer locks them.
    entry = (WaitlistEntry.objects.select_for_update(of=("self",)).select_related("patient")
             .filter(appointment_id=hold_id, status=W.OFFERED).first())
    hold = Appointment.objects.select_for_update(of=("self",)).select_related("patient", "practitioner").filter(
        pk=hold_id, status=S.HELD).first()
    if hold is None:
        return 0
    if entry is not None and offer_is_open(entry, now):
        return 0  # renewed meanwhile
    if entry is None:  # e.g. imported, or its entry closed another way: nothing to pass on
        _release_hold(WaitlistEntry(patient=hold.patient, appointment=hold), "no open offer behind it")
        return 1
    entry.appointment = hold
    _back_to_waiting(entry, "offer expired")
    if pass_on:
        offer_slot(hold.practitioner, hold.starts_at, skip_patient_id=entry.patient_id,
                   why="offered a slot whose earlier offer expired", now=now)
    return 1


def _tell_the_patient(entry):
    """Record the offer and send its message once the offer is committed (never for a rolled-back one)."""
    from klinika.scheduling.services.waitlist_offers import send_after_commit

    offer = WaitlistOffer(entry=entry, starts_at=entry.offered_starts_at, expires_at=entry.offer_expires_at)
    offer.save()
    record(Action.CREATE, object_type="waitlist-offer", object_id=offer.pk, subject_ref=entry.patient.subject_ref,
           reason=f"waitlist entry {entry.pk}")
    send_after_commit(offer)


def accept_offer(user, entry_id):
    """Book the offered slot for the entry's patient; a slot taken meanwhile sends the entry back to waiting."""
    require(user, "schedule.book")
    with transaction.atomic():
        appointment = book_offer(user, locked_entry(entry_id))
    if appointment is None:
        raise SlotTaken(_("Someone booked the offered time in the meantime. The patient is back on the waitlist."))
    return appointment


def book_offer(user, entry) -> Appointment | None:
    """Book the open offer of `entry` (locked by the caller, inside its transaction); user None is the patient
    answering through the offer's link. None if someone else took the time: the entry is back to waiting."""
    if entry.status != W.OFFERED:
        raise ValidationError(_("This waitlist entry has no slot on offer."))
    if not offer_is_open(entry):
        raise ValidationError(_("The offer has expired."))
    hold = Appointment.objects.select_for_update().filter(pk=entry.appointment_id, status=S.HELD).first()
    if hold is not None:
        appointment = _book_hold(user, entry, hold)
    else:
        # An offer made before offers held their slot: booked like any other time, if still free.
        try:
            appointment = insert_booking(user, patient=bookable_patient(entry.patient),
                                         practitioner=entry.offered_practitioner, visit_type=entry.visit_type,
                                         starts_at=entry.offered_starts_at, reason="")
        except SlotTaken:
            _back_to_waiting(entry, "offered slot was taken")
            return None
    entry.status, entry.appointment = W.BOOKED, appointment
    entry.save(update_fields=["status", "appointment"])
    record(Action.UPDATE, object_type="waitlist-entry", object_id=entry.pk,
           subject_ref=entry.patient.subject_ref, reason=f"booked appointment {appointment.pk}")
    signals.send_on_commit(signals.appointment_booked, appointment=appointment)
    return appointment


def _book_hold(user, entry, hold) -> Appointment:
    bookable_patient(entry.patient)
    if Appointment.objects.filter(patient_id=hold.patient_id, status__in=[S.BOOKED, S.CHECKED_IN],
                                  starts_at__lt=hold.ends_at, ends_at__gt=hold.starts_at).exists():
        raise ValidationError({"patient": _("The patient already has another visit at this time.")})
    hold.status, hold.created_at = S.BOOKED, timezone.now()
    hold.booked_by = user if getattr(user, "pk", None) else None
    hold.save(update_fields=["status", "booked_by", "created_at", "updated_at"])
    record(Action.UPDATE, object_type="appointment", object_id=hold.pk, subject_ref=entry.patient.subject_ref,
           reason="booked from the waitlist offer that held it")
    return hold


def decline_offer(user, entry_id) -> WaitlistEntry:
    """The patient does not want the offered time: back to waiting, and the time goes to the next in line."""
    require(user, "schedule.book")
    with transaction.atomic():
        entry = locked_entry(entry_id)
        pass_offer_on(entry, "offer declined")
    return entry


def pass_offer_on(entry, why):
    """`entry` (locked by the caller) goes back to waiting and its offered time to the next in line."""
    if entry.status != W.OFFERED:
        raise ValidationError(_("This waitlist entry has no slot on offer."))
    practitioner, starts_at = entry.offered_practitioner, entry.offered_starts_at
    _back_to_waiting(entry, why)
    if practitioner is not None and starts_at is not None:
        offer_slot(practitioner, starts_at, skip_patient_id=entry.patient_id, why="offered a declined slot")


def withdraw(user, entry_id) -> WaitlistEntry:
    require(user, "schedule.book")
    with transaction.atomic():
        entry = locked_entry(entry_id)
        if entry.status not in (W.WAITING, W.OFFERED):
            raise ValidationError(_("This waitlist entry is already closed."))
        if entry.status == W.OFFERED:
            pass_offer_on(entry, "offer withdrawn with the entry")
        entry.status = W.WITHDRAWN
        entry.save(update_fields=["status"])
        record(Action.UPDATE, object_type="waitlist-entry", object_id=entry.pk, subject_ref=entry.patient.subject_ref,
               reason="withdrawn")
    return entry


def _back_to_waiting(entry, why):
    _release_hold(entry, why)
    entry.status = W.WAITING
    entry.offered_practitioner = entry.offered_starts_at = entry.offer_expires_at = None
    entry.save(update_fields=["status", "offered_practitioner", "offered_starts_at", "offer_expires_at",
                              "appointment"])
    record(Action.UPDATE, object_type="waitlist-entry", object_id=entry.pk, subject_ref=entry.patient.subject_ref,
           reason=why)


def locked_entry(entry_id) -> WaitlistEntry:
    return get_object_or_404(WaitlistEntry.objects.select_for_update(of=("self",)).select_related(
        "patient", "visit_type", "offered_practitioner", "appointment"), pk=as_id(entry_id))
