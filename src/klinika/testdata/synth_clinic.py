"""`klinika synth`: a whole synthetic clinic, written through the bulk import services.

Practitioners with weekly hours (one block per working day, so hours never overlap) and leave (two
weeks in summer, a week in winter or autumn, now and then a training day), patients streamed from the
generator batch by batch with their allergies, then appointments day by day over the past years and
the next weeks: each on a slot of its practitioner's hours, never on a day of leave, at most one per
slot (never overlapping), with lead times, no-shows and cancellations at a desk's rates. Each
completed visit with a doctor gets a signed record (a condition fitting the specialty, sex and age,
with its note in Polish and ICD-9-PL procedures), measurements, and the e-prescriptions, e-referrals
and sick leaves it led to (synth/clinical.py: what and how often), imported with the honest status
"imported" (edocs/services/bulk.py). Everything goes in through the services' bulk paths
(patients, staff, scheduling, records, edocs): validation, encryption, blind indexes, audit and the
database's constraints all apply. Memory: one generator batch and one window of visits at a time,
plus a few bytes per patient (id, birth day, sex, allergies) to draw who comes to which visit.
The same seed and reference date give the same clinic.
"""
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from klinika.audit.context import Actor
from klinika.bulk import chunks
from klinika.edocs.models import Drug
from klinika.edocs.services.bulk import import_documents
from klinika.lifecycle.services import create_clinic
from klinika.patients.services.bulk import import_patients
from klinika.records.services.bulk import import_encounters
from klinika.records.services.bulk_clinical import import_allergies, import_vitals
from klinika.scheduling.models import Appointment, AppointmentStatus
from klinika.scheduling.services.bulk import (
    import_appointments,
    import_exceptions,
    import_visit_types,
    import_weekly_hours,
)
from klinika.staff.models import Practitioner, Profession
from klinika.staff.services.bulk import import_practitioners
from klinika.tenancy.context import clinic_context
from klinika.testdata.synth import clinical, generate_patients, generate_practitioners

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
TRAINING_RATE = 0.3        # a year with one training day off, besides the holidays
VISIT_WINDOW = 1000        # visits whose records, measurements and documents are made and stored together


@dataclass
class SynthReport:
    clinic: object
    practitioners: int = 0
    patients: int = 0
    hours: int = 0
    appointments: int = 0
    encounters: int = 0
    statuses: dict = field(default_factory=dict)
    leave: int = 0
    allergies: int = 0
    vitals: int = 0
    prescriptions: int = 0
    referrals: int = 0
    sick_leaves: int = 0


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
    end = today + datetime.timedelta(days=FUTURE_DAYS)
    week = _weekly_hours(clinic, practitioners, visit_types, start, seed, report)
    away = _leave(clinic, practitioners, week, start, end, seed, report, progress)
    pool = _patients(clinic, patients, seed, today, batch_size, progress, report)
    _allergies(clinic, practitioners, pool, start, today, seed, report, progress)
    rows = _appointments(practitioners, week, away, visit_types, pool, start, today, seed, patients, report,
                         progress)
    report.appointments = import_appointments(clinic, rows, actor=SYNTH_ACTOR).count
    _visits(clinic, practitioners, pool, seed, report, progress)
    return report


@dataclass
class _Doctor:
    pk: int
    specialties: list
    profession: str = Profession.DOCTOR
    user_id: int | None = None


def _practitioners(clinic, patients, seed, today, report) -> list[_Doctor]:
    doctors = int(np.clip(patients // 2000, 3, 300))
    people = generate_practitioners(seed=seed, doctors=doctors, nurses=max(1, doctors // 3),
                                    reference_date=today)
    for i, person in enumerate(people):
        person["login"] = f"{clinic.slug}-{person['profession']}{i + 1}"
    ids = import_practitioners(clinic, people, actor=SYNTH_ACTOR).practitioner_ids
    report.practitioners = len(ids)
    with clinic_context(clinic):
        users = dict(Practitioner.objects.filter(pk__in=ids).values_list("pk", "staff__user_id"))
    return [_Doctor(pk, person["specialties"], person["profession"], users.get(pk))
            for pk, person in zip(ids, people, strict=True)]


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


def _monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def _leave(clinic, practitioners, week, start, end, seed, report, progress) -> dict[int, set]:
    """Each practitioner's days away, and the leave imported as schedule exceptions: two weeks between July
    and August, a working week in February, October or November, and in some years a training day."""
    rng = np.random.default_rng([seed, 6])
    zone = timezone.get_default_timezone()
    away, rows = {}, []
    for doctor in practitioners:
        away[doctor.pk] = set()
        for year in range(start.year, end.year + 1):
            draws = rng.random(5)
            summer = _monday_on_or_after(datetime.date(year, 7, 1)) + datetime.timedelta(weeks=int(draws[0] * 7))
            month = (2, 10, 11)[int(draws[1] * 3)]
            other = _monday_on_or_after(datetime.date(year, month, 1)) + datetime.timedelta(weeks=int(draws[2] * 3))
            periods = [(summer, 14, "urlop wypoczynkowy"), (other, 5, "urlop wypoczynkowy")]
            working = sorted(week[doctor.pk]) or [0]
            if draws[3] < TRAINING_RATE:
                training = _monday_on_or_after(datetime.date(year, 3, 1)) + datetime.timedelta(
                    weeks=int(draws[4] * 14), days=working[int(draws[4] * 1000) % len(working)])
                periods.append((training, 1, "szkolenie"))
            for first, days, note in periods:
                last = first + datetime.timedelta(days=days - 1)
                if last < start or first > end:
                    continue
                away[doctor.pk].update(first + datetime.timedelta(days=n) for n in range(days))
                rows.append({"practitioner_id": doctor.pk, "kind": "unavailable", "note": note,
                             "starts_at": datetime.datetime.combine(first, datetime.time(0), tzinfo=zone),
                             "ends_at": datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(0),
                                                                  tzinfo=zone)})
    report.leave = import_exceptions(clinic, rows, actor=SYNTH_ACTOR).count
    if progress:
        progress("leave", len(practitioners), len(practitioners))
    return away


@dataclass
class _Pool:
    """Who can come: patient pks with birth day and sex, and their allergies: a few bytes a patient."""
    pk: np.ndarray
    born: np.ndarray            # year
    male: np.ndarray
    birth: np.ndarray           # datetime64[D]
    allergy: tuple = ()         # (first, second): index into clinical.ALLERGIES or -1


def _patients(clinic, n, seed, today, batch_size, progress, report) -> _Pool:
    pks, birth, male = [], [], []
    done = 0
    for batch in generate_patients(n, seed=seed, batch_size=batch_size, reference_date=today):
        ids = import_patients(clinic, batch.rows(), actor=SYNTH_ACTOR).ids
        pks.append(np.array([ids[i] for i in batch.id.tolist()], dtype=np.int64))
        birth.append(batch.birth_date.astype("datetime64[D]"))
        male.append(batch.sex == "M")
        done += len(batch)
        if progress:
            progress("patients", done, n)
    report.patients = done
    pk = np.concatenate(pks) if pks else np.empty(0, np.int64)
    birth = np.concatenate(birth) if birth else np.empty(0, "datetime64[D]")
    male = np.concatenate(male) if male else np.empty(0, bool)
    # In pk order, so a patient is found by binary search (the import stores a guardian before their ward,
    # so pks do not follow the generator's order).
    order = np.argsort(pk, kind="stable")
    return _Pool(pk[order], birth[order].astype("datetime64[Y]").astype(np.int16) + 1970, male[order], birth[order])


def _age(birth: np.datetime64, day: datetime.date) -> int:
    """Whole years on `day`, as the desk counts them."""
    born = birth.item()
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _allergies(clinic, practitioners, pool: _Pool, start, today, seed, report, progress):
    """Who is allergic to what (clinical.ALLERGIES, ~15 % of patients), noted by a doctor on a past day."""
    rng = np.random.default_rng([seed, 7])
    ages = (np.datetime64(today, "D") - pool.birth).astype(np.int64) / 365.2425
    pool.allergy = clinical.allergies_of(rng, ages)
    noted_by = [d.user_id for d in practitioners if d.profession == Profession.DOCTOR and d.user_id]
    zone = timezone.get_default_timezone()
    span = (today - start).days
    when = rng.random(len(pool.pk))
    who = rng.integers(0, max(len(noted_by), 1), len(pool.pk))
    total = int((pool.allergy[0] >= 0).sum())

    def rows() -> Iterator[dict]:
        done = 0
        for i in np.flatnonzero(pool.allergy[0] >= 0).tolist():
            born = pool.birth[i].item()
            first = max(start, born + datetime.timedelta(days=1))
            if first >= today:  # born today: nothing noted yet
                continue
            day = first + datetime.timedelta(days=int(when[i] * max((today - first).days, 1) if span else 0))
            day = min(day, today - datetime.timedelta(days=1))
            noted = datetime.datetime.combine(day, datetime.time(9 + int(when[i] * 1000) % 8), tzinfo=zone)
            for index in (int(pool.allergy[0][i]), int(pool.allergy[1][i])):
                if index >= 0:
                    substance, reaction, severity, _weight = clinical.ALLERGIES[index]
                    yield {"patient_id": int(pool.pk[i]), "substance": substance, "reaction": reaction,
                           "severity": severity, "recorded_by_id": noted_by[int(who[i])], "recorded_at": noted}
            done += 1
            if progress and done % 1000 == 0:
                progress("allergies", done, total)

    if noted_by:
        report.allergies = import_allergies(clinic, rows(), actor=SYNTH_ACTOR).count
    if progress:
        progress("allergies", total, total)


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


def _appointments(practitioners, week, away, visit_types, pool, start, today, seed, patients, report,
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
            if block is None or not len(pool.pk) or day in away[doctor.pk]:
                continue
            who = candidates[doctor.pk]
            day_fill = fill if day < today else fill * max(0.2, 1 - (day - today).days / FUTURE_DAYS)
            taken = np.flatnonzero(rng.random(_slots(block)) < day_fill)
            first = datetime.datetime.combine(day, block[0], tzinfo=zone)
            for slot in taken.tolist():
                starts_at = first + datetime.timedelta(minutes=SLOT_MINUTES * slot)
                patient = _born_by(rng, pool, who, np.datetime64(day, "D"))
                if patient is None:
                    continue
                row = _visit(rng.random(6), starts_at, cut, doctor.pk, int(pool.pk[patient]), visit_types)
                report.statuses[row["status"]] = report.statuses.get(row["status"], 0) + 1
                yield row
    if progress:
        progress("appointments", total_days, total_days)


def _born_by(rng, pool, who, day, tries: int = 20) -> int | None:
    """One of `who` already born on `day` (candidates go by year of birth: a baby of this year may come later)."""
    for _try in range(tries):
        patient = int(who[int(rng.integers(len(who)))])
        if pool.birth[patient] <= day:
            return patient
    return None


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


@dataclass
class _Made:
    """One visit's record and what came with it, until the record has its id."""
    patient_id: int
    user_id: int
    starts_at: datetime.datetime
    signed_at: datetime.datetime
    vitals: dict
    items: list
    referral: dict | None
    sick_leave: dict | None


def _visits(clinic, practitioners, pool: _Pool, seed, report, progress):
    """For each completed visit with a doctor: a signed record whose condition fits the doctor's specialty
    and the patient's sex and age (no pregnancy for a man or an 80-year-old), its measurements and the
    documents it led to; stored a window of visits at a time (the measurements and documents name the
    records' ids)."""
    rng = np.random.default_rng([seed, 5])
    doctors = {d.pk: d for d in practitioners if d.profession == Profession.DOCTOR}
    drug_ids = {(d.name, d.strength): d.pk for d in Drug.objects.all()}
    employers = clinical.employer_nips(np.random.default_rng([seed, 9]), max(20, len(pool.pk) // 40))
    with clinic_context(clinic):
        completed = (Appointment.objects.filter(status=AppointmentStatus.COMPLETED, practitioner_id__in=list(doctors))
                     .order_by("pk").values_list("pk", "patient_id", "practitioner_id", "starts_at", "ends_at"))
        total = completed.count()
        done = 0
        for window in chunks(completed.iterator(VISIT_WINDOW), VISIT_WINDOW):
            records, made = [], []
            for pk, patient_id, practitioner_id, starts_at, ends_at in window:
                record, extra = _one_visit(rng, pool, doctors[practitioner_id], pk, patient_id, starts_at, ends_at,
                                           drug_ids, employers)
                records.append(record)
                made.append(extra)
            ids = import_encounters(clinic, records, actor=SYNTH_ACTOR).ids
            _store_with_records(clinic, ids, made, report)
            done += len(window)
            if progress:
                progress("visit records", done, total)
        report.encounters = done
        if progress:
            progress("visit records", total, total)


def _one_visit(rng, pool, doctor, appointment_id, patient_id, starts_at, ends_at, drug_ids, employers):
    index = int(np.searchsorted(pool.pk, patient_id))
    sex = "M" if pool.male[index] else "F"
    day = timezone.localdate(starts_at)
    age = _age(pool.birth[index], day)
    years = float((np.datetime64(day, "D") - pool.birth[index]).astype(np.int64)) / 365.2425
    condition = clinical.pick(rng, clinical.fitting(doctor.specialties, sex, age))
    allergies = [clinical.ALLERGIES[int(a[index])][0] for a in pool.allergy if int(a[index]) >= 0]
    measured = clinical.vitals(rng, condition, sex, years)
    content = clinical.note(rng, condition, age, measured, allergies)
    items = clinical.prescription_items(rng, condition, age, allergies, drug_ids)
    referral = clinical.referral_data(rng, condition)
    signed_at = ends_at + datetime.timedelta(minutes=float(rng.uniform(1, 90)))
    sick_leave = clinical.sick_leave_data(rng, condition, age, timezone.localdate(signed_at),
                                          employers[index % len(employers)])
    content["recommendations"] = _with_documents(content["recommendations"], items, referral, sick_leave, drug_ids)
    record = {"appointment_id": appointment_id, "signed_at": signed_at,
              "content": dict(content, diagnoses=[{"code": condition.code, "main": True}],
                              procedures=[{"code": code} for code in clinical.procedures(rng, condition)])}
    return record, _Made(patient_id, doctor.user_id, starts_at, signed_at, measured, items, referral, sick_leave)


def _with_documents(text, items, referral, sick_leave, drug_ids) -> str:
    names = {pk: name for name, pk in drug_ids.items()}
    lines = [text]
    for item in items:
        name, strength = names[item["drug_id"]]
        lines.append(f"Recepta: {name} {strength}, {item['dosage']}.")
    if referral:
        lines.append(f"Skierowanie: {referral['purpose']}")
    if sick_leave:
        days = (datetime.date.fromisoformat(sick_leave["date_to"])
                - datetime.date.fromisoformat(sick_leave["date_from"])).days + 1
        lines.append(f"Zwolnienie lekarskie na {days} dni.")
    return " ".join(lines)


def _store_with_records(clinic, ids, made: list[_Made], report):
    measurements, documents = [], []
    for encounter_id, visit in zip(ids, made, strict=True):
        if visit.vitals:
            measurements.append({"patient_id": visit.patient_id, "encounter_id": encounter_id,
                                 "values": visit.vitals, "recorded_by_id": visit.user_id,
                                 "recorded_at": visit.starts_at + datetime.timedelta(minutes=3)})
        if visit.items:
            documents.append({"kind": "rx", "encounter_id": encounter_id, "issued_at": visit.signed_at,
                              "items": visit.items})
        if visit.referral:
            documents.append({"kind": "ref", "encounter_id": encounter_id, "issued_at": visit.signed_at,
                              "data": visit.referral})
        if visit.sick_leave:
            documents.append({"kind": "zla", "encounter_id": encounter_id, "issued_at": visit.signed_at,
                              "data": visit.sick_leave})
    report.vitals += import_vitals(clinic, measurements, actor=SYNTH_ACTOR).count
    result = import_documents(clinic, documents, actor=SYNTH_ACTOR)
    report.prescriptions += result.prescriptions
    report.referrals += result.referrals
    report.sick_leaves += result.sick_leaves
