"""`klinika synth`: a whole synthetic clinic, written through the bulk import services.

Practitioners with weekly hours (one block per working day, so hours never overlap), patients
streamed from the generator batch by batch, then appointments day by day over the past years and
the next weeks: each on a slot of its practitioner's hours, at most one per slot (never
overlapping), with lead times, no-shows and cancellations at a desk's rates. Everything goes in
through patients/staff/scheduling services.bulk: validation, encryption, blind indexes, audit and
the database's constraints all apply. Memory: one generator batch and one chunk of appointments at
a time, plus a few bytes per patient (id, birth year, sex) to draw who comes to which visit.
The same seed and reference date give the same clinic.
"""
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.lifecycle.services import create_clinic
from klinika.patients.services.bulk import import_patients
from klinika.records.services.bulk import import_encounters
from klinika.scheduling.models import Appointment, AppointmentStatus
from klinika.scheduling.services.bulk import import_appointments, import_visit_types, import_weekly_hours
from klinika.staff.models import Profession
from klinika.staff.services.bulk import import_practitioners
from klinika.tenancy.context import clinic_context
from klinika.testdata.demo_stories import FAMILY_AND_CHILDREN, GYNAECOLOGY, INTERNAL_MEDICINE, STORIES, WHO
from klinika.testdata.synth import generate_patients, generate_practitioners

SYNTH_ACTOR = Actor(None, "synth-generator")
SLOT_MINUTES = 20
VISITS_PER_PATIENT_YEAR = 4.0
FUTURE_DAYS = 28
NO_SHOW_RATE = 0.065       # of visits not cancelled
CANCEL_RATE = 0.10
PAEDIATRICS, GYNAECOLOGY_CODE = "0723", "0724"
BLOCKS = ((datetime.time(8), datetime.time(14)), (datetime.time(12), datetime.time(18)))
VISIT_TYPES = [{"code": "porada", "name": "Porada", "duration_minutes": SLOT_MINUTES},
               {"code": "kontrola", "name": "Wizyta kontrolna", "duration_minutes": SLOT_MINUTES}]
REASONS = ["kontrola", "ból gardła", "kaszel", "gorączka", "ból pleców", "recepta na stałe leki",
           "wyniki badań", "ból brzucha", "szczepienie", "bilans zdrowia", "nadciśnienie", "zawroty głowy"]
CANCEL_REASONS = ["pacjent odwołał telefonicznie", "choroba lekarza", "zmiana terminu na prośbę pacjenta"]


@dataclass
class SynthReport:
    clinic: object
    practitioners: int = 0
    patients: int = 0
    hours: int = 0
    appointments: int = 0
    encounters: int = 0
    statuses: dict = field(default_factory=dict)


Progress = Callable[[str, int, int], None] | None


def build_clinic(name: str, *, patients: int, years: float, seed: int, slug: str | None = None,
                 today: datetime.date | None = None, batch_size: int = 10_000, progress: Progress = None,
                 ) -> SynthReport:
    today = today or timezone.localdate()
    clinic = create_clinic(name, slug)
    report = SynthReport(clinic)
    practitioners = _practitioners(clinic, patients, seed, today, report)
    visit_types = import_visit_types(clinic, VISIT_TYPES, actor=SYNTH_ACTOR).ids
    start = today - datetime.timedelta(days=round(365.2425 * years))
    week = _weekly_hours(clinic, practitioners, visit_types, start, seed, report)
    pool = _patients(clinic, patients, seed, today, batch_size, progress, report)
    rows = _appointments(practitioners, week, visit_types, pool, start, today, seed, patients, years, report,
                         progress)
    report.appointments = import_appointments(clinic, rows, actor=SYNTH_ACTOR).count
    report.encounters = import_encounters(clinic, _encounters(clinic, practitioners, pool, seed, progress),
                                          actor=SYNTH_ACTOR).count
    return report


@dataclass
class _Doctor:
    pk: int
    specialties: list
    profession: str = Profession.DOCTOR


def _practitioners(clinic, patients, seed, today, report) -> list[_Doctor]:
    doctors = int(np.clip(patients // 2000, 3, 300))
    people = generate_practitioners(seed=seed, doctors=doctors, nurses=max(1, doctors // 3),
                                    reference_date=today)
    for i, person in enumerate(people):
        person["login"] = f"{clinic.slug}-{person['profession']}{i + 1}"
    ids = import_practitioners(clinic, people, actor=SYNTH_ACTOR).practitioner_ids
    report.practitioners = len(ids)
    return [_Doctor(pk, person["specialties"], person["profession"]) for pk, person in zip(ids, people, strict=True)]


def _weekly_hours(clinic, practitioners, visit_types, start, seed, report) -> dict[int, dict[int, tuple]]:
    """practitioner pk -> weekday -> (from, to): one block a working day, 3 to 5 days a week."""
    rng = np.random.default_rng([seed, 3])
    week, rows = {}, []
    for doctor in practitioners:
        days = sorted(rng.choice(5, size=int(rng.integers(3, 6)), replace=False).tolist())
        week[doctor.pk] = {}
        for day in days:
            block = BLOCKS[int(rng.integers(len(BLOCKS)))]
            week[doctor.pk][day] = block
            rows.append({"practitioner_id": doctor.pk, "weekday": day, "start_time": block[0], "end_time": block[1],
                         "slot_minutes": SLOT_MINUTES, "visit_type_ids": visit_types, "valid_from": start})
    report.hours = import_weekly_hours(clinic, rows, actor=SYNTH_ACTOR).count
    return week


@dataclass
class _Pool:
    """Who can come: patient pks with birth year and sex, a few bytes a patient."""
    pk: np.ndarray
    born: np.ndarray
    male: np.ndarray


def _patients(clinic, n, seed, today, batch_size, progress, report) -> _Pool:
    pks, born, male = [], [], []
    done = 0
    for batch in generate_patients(n, seed=seed, batch_size=batch_size, reference_date=today):
        ids = import_patients(clinic, batch.rows(), actor=SYNTH_ACTOR).ids
        pks.append(np.array([ids[i] for i in batch.id.tolist()], dtype=np.int64))
        born.append(batch.birth_date.astype("datetime64[Y]").astype(np.int16) + 1970)
        male.append(batch.sex == "M")
        done += len(batch)
        if progress:
            progress("patients", done, n)
    report.patients = done
    return _Pool(np.concatenate(pks) if pks else np.empty(0, np.int64),
                 np.concatenate(born) if born else np.empty(0, np.int16),
                 np.concatenate(male) if male else np.empty(0, bool))


def _candidates(pool: _Pool, doctor: _Doctor, year: int) -> np.ndarray:
    """Indexes of the patients this practitioner sees: children at a paediatrician, women at a gynaecologist."""
    age = year - pool.born
    if PAEDIATRICS in doctor.specialties:
        chosen = np.flatnonzero(age < 18)
    elif GYNAECOLOGY_CODE in doctor.specialties:
        chosen = np.flatnonzero(~pool.male & (age >= 15))
    else:
        chosen = np.flatnonzero(age >= 18)
    return chosen if len(chosen) else np.arange(len(pool.pk))


def _appointments(practitioners, week, visit_types, pool, start, today, seed, patients, years, report,
                  progress) -> Iterator[dict]:
    rng = np.random.default_rng([seed, 4])
    zone = timezone.get_default_timezone()
    # "Now" for the history is the start of `today`: what happened before it is over (completed, missed),
    # what comes later is booked. Not the clock: the same seed and day give the same clinic.
    cut = datetime.datetime.combine(today, datetime.time(0), tzinfo=zone)
    slots_per_year = sum(52 * _slots(block) for days in week.values() for block in days.values())
    fill = min(0.9, VISITS_PER_PATIENT_YEAR * patients / max(slots_per_year, 1))
    end = today + datetime.timedelta(days=FUTURE_DAYS)
    total_days = (end - start).days + 1
    candidates, year = {}, None
    for offset in range(total_days):
        day = start + datetime.timedelta(days=offset)
        if progress and offset % 7 == 0:
            progress("appointments", offset, total_days)
        if day.year != year:
            candidates, year = {d.pk: _candidates(pool, d, day.year) for d in practitioners}, day.year
        for doctor in practitioners:
            block = week[doctor.pk].get(day.weekday())
            if block is None or not len(pool.pk):
                continue
            who = candidates[doctor.pk]
            day_fill = fill if day < today else fill * max(0.2, 1 - (day - today).days / FUTURE_DAYS)
            taken = np.flatnonzero(rng.random(_slots(block)) < day_fill)
            first = datetime.datetime.combine(day, block[0], tzinfo=zone)
            for slot in taken.tolist():
                starts_at = first + datetime.timedelta(minutes=SLOT_MINUTES * slot)
                row = _visit(rng.random(6), starts_at, cut, doctor.pk, int(pool.pk[who[int(rng.integers(len(who)))]]),
                             visit_types)
                report.statuses[row["status"]] = report.statuses.get(row["status"], 0) + 1
                yield row
    if progress:
        progress("appointments", total_days, total_days)


def _slots(block) -> int:
    minutes = (block[1].hour * 60 + block[1].minute) - (block[0].hour * 60 + block[0].minute)
    return minutes // SLOT_MINUTES


def _lead_days(draw: float, size: float) -> float:
    """Days between booking and the visit: mostly 1 to 30, some the same day, a few months ahead."""
    if draw < 0.1:
        return 0.05 + 0.95 * size
    if draw < 0.9:
        return 1 + min(29.0, -9 * np.log1p(-size))  # exponential, mean 9 days
    return 30 + 60 * size


def _visit(draws, starts_at, cut, practitioner_id, patient_id, visit_types) -> dict:
    """One visit from six uniform draws (always six: later visits do not depend on this one's branch)."""
    booked_at = min(starts_at - datetime.timedelta(days=_lead_days(draws[0], draws[1])),
                    cut - datetime.timedelta(minutes=1))
    row = {"patient_id": patient_id, "practitioner_id": practitioner_id,
           "visit_type_id": visit_types[int(draws[2] * len(visit_types))], "starts_at": starts_at,
           "booked_at": booked_at, "reason": REASONS[int(draws[3] * len(REASONS))]}
    if draws[4] < CANCEL_RATE:
        latest = min(starts_at, cut)
        row.update(status="cancelled", cancelled_at=booked_at + (latest - booked_at) * float(draws[5]),
                   cancel_reason=CANCEL_REASONS[int(draws[5] * len(CANCEL_REASONS))])
    elif starts_at >= cut:
        row["status"] = "booked"
    elif draws[5] < NO_SHOW_RATE / (1 - CANCEL_RATE) * (1 - CANCEL_RATE):
        row["status"] = "no_show"
    else:
        row.update(status="completed", checked_in_at=starts_at - datetime.timedelta(minutes=1 + 14 * float(draws[5])))
    return row


# Which stories (demo_stories: interview, examination, recommendations, an ICD-10 diagnosis) a
# specialty writes; other specialties write the internal-medicine ones.
STORIES_OF = {GYNAECOLOGY_CODE: GYNAECOLOGY, PAEDIATRICS: FAMILY_AND_CHILDREN,
              "0713": FAMILY_AND_CHILDREN + INTERNAL_MEDICINE}


def _stories(doctor: _Doctor) -> list:
    for code in doctor.specialties:
        if code in STORIES_OF:
            return STORIES_OF[code]
    return INTERNAL_MEDICINE


def _encounters(clinic, practitioners, pool: _Pool, seed, progress) -> Iterator[dict]:
    """A signed record for each completed visit with a doctor, its diagnosis fitting the doctor's
    specialty and the patient's sex and age (no pregnancy for a man or an 80-year-old)."""
    rng = np.random.default_rng([seed, 5])
    doctors = {d.pk: d for d in practitioners if d.profession == Profession.DOCTOR}
    with clinic_context(clinic):
        completed = (Appointment.objects.filter(status=AppointmentStatus.COMPLETED, practitioner_id__in=list(doctors))
                     .order_by("pk").values_list("pk", "patient_id", "practitioner_id", "starts_at", "ends_at"))
        total = completed.count()
        for done, (pk, patient_id, practitioner_id, starts_at, ends_at) in enumerate(completed.iterator(2000)):
            index = int(np.searchsorted(pool.pk, patient_id))
            sex = "M" if pool.male[index] else "F"
            age = starts_at.year - int(pool.born[index])
            fitting = [s for s in _stories(doctors[practitioner_id]) if s.diagnosis and WHO[s.who](sex, age)] or [
                s for s in STORIES if s.diagnosis and WHO[s.who](sex, age)]
            story = fitting[int(rng.integers(len(fitting)))]
            if progress and done % 1000 == 0:
                progress("visit records", done, total)
            yield {"appointment_id": pk, "signed_at": ends_at + datetime.timedelta(minutes=float(rng.uniform(1, 90))),
                   "content": {"interview": story.interview, "examination": story.examination,
                               "recommendations": story.recommendations,
                               "diagnoses": [{"code": story.diagnosis, "main": True}],
                               "procedures": [{"code": code} for code in story.procedures]}}
        if progress:
            progress("visit records", total, total)
