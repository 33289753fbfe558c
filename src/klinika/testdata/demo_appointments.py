"""The demo clinic's appointments: two weeks of history, today at the desk, two weeks booked ahead.

What happened before the demo began is history and goes in as history does when a clinic moves to
klinika: scheduling.services.bulk.import_appointments stores the visits of earlier days and of this
morning with their real times (booked days before, checked in, completed, missed or cancelled),
and records.services.bulk.import_encounters the doctors' signed records of them, dated as the
visits; nothing is dated back afterwards. What can still happen goes through the scheduling and
records services as the desk and the practitioners do it: patients due now are checked in, those
in the room measured and their records drafted, a registrar books the coming visits (and cancels
or moves a few), a few patients wait for an earlier slot.
"""
import datetime
import random
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.records.services.bulk import import_encounters
from klinika.scheduling import services as scheduling
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.models import Appointment, AppointmentStatus, VisitType
from klinika.scheduling.services import waitlist
from klinika.scheduling.services.bulk import import_appointments
from klinika.scheduling.slots import find_free_slots, local_date, wall_time
from klinika.testdata.demo_desk import Desk, act
from klinika.testdata.demo_patients import Registered
from klinika.testdata.demo_schedule import Schedule
from klinika.testdata.demo_stories import CANCEL_REASONS, WHO, Story
from klinika.testdata.demo_visits import VisitWriter

S = AppointmentStatus
DAYS_AROUND = 14
FILL = 0.35  # the share of slot starts that got an appointment, up to today
# Days ahead fill up as they come closer: tomorrow is almost as full as today, the last day shown
# has a few early bookings.
FILL_AHEAD = (0.45, 0.1)
NO_REASON = 0.1  # bookings for which the desk noted no reason
# A visit starting sooner than this counts as booked before the demo began: seeding takes seconds,
# and the booking service rightly refuses a time that has passed meanwhile.
LEEWAY = datetime.timedelta(minutes=10)
PAST_OUTCOMES = ([S.COMPLETED, S.NO_SHOW, S.CANCELLED], [8, 1, 1])
TODAY_NO_SHOW = 0.1
BOOKED_DAYS_BEFORE = (3, 21)  # how long before its day a visit of the history was booked
CHECKED_IN_BEFORE = (2, 20)  # minutes before the visit its patient was checked in
CANCELLED_HOURS_BEFORE = (3, 48)
EARLY_ARRIVAL = datetime.timedelta(hours=1)  # patients due within this are checked in and waiting (some)
CANCELLED_AHEAD = 0.08
RESCHEDULED = 2
PATIENT_TRIES = 12
PREGNANT = 4
# (who, visit type, specialty, practitioner's login): patients who want an earlier visit.
WAITLIST = [("woman", "kontrolna", "0724", None), ("adult", "pierwsza", None, "lekarz3"),
            ("child", "pierwsza", "0723", None)]


@dataclass
class Planned:
    schedule: Schedule
    visit_type: VisitType
    room_id: int | None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    who: Registered
    story: Story
    reason: str


def seed_appointments(desk: Desk, schedules: list[Schedule], patients: list[Registered], rng: random.Random,
                      today: datetime.date, progress=None, *, actor: Actor) -> None:
    plan = plan_appointments(schedules, patients, rng, today)
    now = timezone.now()
    history = [p for p in plan if p.starts_at < now + LEEWAY]
    _import_history(desk, history, rng, today, now, actor)
    ahead = [p for p in plan if p.starts_at >= now + LEEWAY]
    booked = []
    for n, planned in enumerate(ahead):
        booked.append(_book(desk, planned))
        if progress:
            progress(n + 1, len(ahead))
    booked = _check_in_early_arrivals(desk, rng, booked, today)
    booked = _cancel_some(desk, rng, booked)
    _reschedule_some(desk, rng, booked, today)
    _waitlist(desk, rng, schedules, patients, today)


# ---- planning ------------------------------------------------------------------------------------

def plan_appointments(schedules, patients, rng, today) -> list[Planned]:
    """A few visits a day in each practitioner's hours, one after another so they never overlap,
    each with a patient the visit fits who has no other visit at that time; oldest first."""
    fitting = {who: [p for p in patients if test(p.sex, p.age)] for who, test in WHO.items()}
    # A few of the women who could be are pregnant: only they come to prenatal visits, and not for
    # contraception.
    pregnant = rng.sample(fitting["pregnant"], min(PREGNANT, len(fitting["pregnant"])))
    fitting["pregnant"] = pregnant
    fitting["young woman"] = [p for p in fitting["young woman"] if p not in pregnant]
    busy: dict[int, list[tuple]] = {}
    plan = []
    for offset in range(-DAYS_AROUND, DAYS_AROUND + 1):
        day = today + datetime.timedelta(days=offset)
        for schedule in schedules:
            for hours in (h for h in schedule.hours if h.weekday == day.weekday()):
                plan += _plan_hours(schedule, hours, day, _fill(offset), fitting, busy, rng)
    return sorted(plan, key=lambda p: (p.starts_at, p.schedule.practitioner.pk))


def _fill(days_ahead: int) -> float:
    if days_ahead <= 0:
        return FILL
    first, last = FILL_AHEAD
    return first + (last - first) * (days_ahead - 1) / max(DAYS_AROUND - 1, 1)


def _plan_hours(schedule, hours, day, fill, fitting, busy, rng) -> list[Planned]:
    at, closing = wall_time(day, hours.start_time), wall_time(day, hours.end_time)
    if at is None or closing is None:
        return []
    at, closing = at.astimezone(datetime.timezone.utc), closing.astimezone(datetime.timezone.utc)
    planned = []
    while at < closing:
        kind = rng.choice(schedule.visit_types)
        ends = at + datetime.timedelta(minutes=kind.duration_minutes)
        if ends > closing:
            break
        if rng.random() < fill:
            stories = [s for s in schedule.stories if kind.code in s.visit_types and fitting[s.who]]
            story = rng.choice(stories) if stories else None
            who = _free_patient(fitting[story.who], busy, at, ends, rng) if story else None
            if who is not None:
                busy.setdefault(who.patient.pk, []).append((at, ends))
                reason = "" if rng.random() < NO_REASON else story.reason
                planned.append(Planned(schedule, kind, hours.room_id, at, ends, who, story, reason))
                at = ends
        at += datetime.timedelta(minutes=hours.slot_minutes)
    return planned


def _free_patient(candidates, busy, starts, ends, rng) -> Registered | None:
    for _ in range(PATIENT_TRIES):
        who = rng.choice(candidates)
        if all(ends <= s or e <= starts for s, e in busy.get(who.patient.pk, [])):
            return who
    return None


# ---- what already happened -----------------------------------------------------------------------

def _import_history(desk, history: list[Planned], rng, today, now, actor):
    """The visits booked before the demo began, in the state they reached, and the records of those seen."""
    rows = [_history_row(planned, rng, today, now) for planned in history]
    ids = import_appointments(desk.clinic, rows, actor=actor, now=now).ids
    visits = VisitWriter(rng)
    seen = [(planned, pk) for planned, row, pk in zip(history, rows, ids, strict=True)
            if row["status"] == S.COMPLETED and planned.schedule.writes_records]
    records = import_encounters(desk.clinic, [visits.signed_record(pk, planned.ends_at, planned.story, now)
                                              for planned, pk in seen], actor=actor, now=now).ids
    for (planned, _pk), encounter_id in zip(seen, records, strict=True):
        doctor, who = planned.schedule.user, planned.who
        if local_date(planned.starts_at) == today:
            visits.measure(doctor, who.patient, who.age, planned.story, encounter_id)  # typed in after the visit
        visits.maybe_note_allergy(doctor, who.patient)
    # This morning's patients still at the clinic: checked in at the desk; those already in the
    # room are measured, and their doctor has begun the record.
    for planned, row, pk in zip(history, rows, ids, strict=True):
        if row["status"] != S.BOOKED:
            continue
        appointment = act(desk.registrar(), scheduling.check_in, pk)
        if planned.starts_at <= now and planned.schedule.writes_records:
            visits.draft(planned.schedule.user, appointment, planned.story, planned.who.patient, planned.who.age)


def _history_row(planned: Planned, rng, today, now) -> dict:
    days = rng.randint(*BOOKED_DAYS_BEFORE)
    row = {"patient_id": planned.who.patient.pk, "practitioner_id": planned.schedule.practitioner.pk,
           "visit_type_id": planned.visit_type.pk, "room_id": planned.room_id, "starts_at": planned.starts_at,
           "ends_at": planned.ends_at, "reason": planned.reason,
           "booked_at": planned.starts_at - datetime.timedelta(days=days, minutes=rng.randint(0, 600))}
    if local_date(planned.starts_at) < today:
        status = rng.choices(*PAST_OUTCOMES)[0]
    elif planned.ends_at <= now:
        status = S.NO_SHOW if rng.random() < TODAY_NO_SHOW else S.COMPLETED
    else:
        status = S.BOOKED  # due now: the desk takes it from here
    row["status"] = status
    if status == S.COMPLETED:
        row["checked_in_at"] = planned.starts_at - datetime.timedelta(minutes=rng.randint(*CHECKED_IN_BEFORE))
    elif status == S.CANCELLED:
        row.update(cancel_reason=rng.choice(CANCEL_REASONS),
                   cancelled_at=planned.starts_at - datetime.timedelta(hours=rng.randint(*CANCELLED_HOURS_BEFORE)))
    return row


# ---- what is still to come ------------------------------------------------------------------------

def _book(desk, planned) -> Appointment:
    return act(desk.registrar(), scheduling.book, patient=planned.who.patient,
               practitioner=planned.schedule.practitioner, visit_type=planned.visit_type,
               starts_at=planned.starts_at, reason=planned.reason)


def _check_in_early_arrivals(desk, rng, booked, today) -> list[Appointment]:
    """Some of those due within the hour are already in the waiting room; returns the others."""
    waiting_for = []
    now = timezone.now()
    for appointment in booked:
        if local_date(appointment.starts_at) == today and appointment.starts_at - now <= EARLY_ARRIVAL \
                and rng.random() < 0.5:
            act(desk.registrar(), scheduling.check_in, appointment.pk)
        else:
            waiting_for.append(appointment)
    return waiting_for


def _cancel_some(desk, rng, booked) -> list[Appointment]:
    """Patients call off some visits; returns the visits still booked."""
    kept = []
    for appointment in booked:
        if rng.random() < CANCELLED_AHEAD:
            act(desk.registrar(), scheduling.cancel_appointment, appointment.pk, rng.choice(CANCEL_REASONS))
        else:
            kept.append(appointment)
    return kept


def _reschedule_some(desk, rng, booked, today):
    """A couple of patients ask for a later day with the same practitioner."""
    later = [a for a in booked if local_date(a.starts_at) > today]
    for appointment in rng.sample(later, min(RESCHEDULED, len(later))):
        day = local_date(appointment.starts_at)
        slots = find_free_slots(visit_type=appointment.visit_type, practitioner=appointment.practitioner,
                                date_from=day + datetime.timedelta(days=2), date_to=day + datetime.timedelta(days=9))
        for slot in slots:
            try:
                act(desk.registrar(), scheduling.reschedule, appointment.pk, starts_at=slot.starts_at)
                break
            except (ValidationError, SlotTaken):
                continue  # the patient has another visit then: the desk offers the next slot


def _waitlist(desk, rng, schedules, patients, today):
    visit_types = {kind.code: kind for schedule in schedules for kind in schedule.visit_types}
    practitioners = {schedule.user.username: schedule.practitioner for schedule in schedules}
    specialties = {s.code for schedule in schedules for s in schedule.practitioner.specialties.all()}
    for who, kind, specialty, login in WAITLIST:
        candidates = [p for p in patients if WHO[who](p.sex, p.age)]
        if not candidates or kind not in visit_types or (login and login not in practitioners) \
                or (specialty and specialty not in specialties):
            continue
        act(desk.registrar(), waitlist.add_to_waitlist, patient=rng.choice(candidates).patient,
            visit_type=visit_types[kind], practitioner=practitioners.get(login), specialty=specialty,
            earliest=today + datetime.timedelta(days=1), latest=today + datetime.timedelta(days=DAYS_AROUND))
