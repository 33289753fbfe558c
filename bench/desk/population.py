"""The clinic's patients and appointment history.

Patients: synthetic people (klinika.testdata.synthetic), about a third with an ID card, unique
PESELs. Each is saved as a real klinika Patient (through bulk_create, so every field is encrypted
under the patient's own subject key, made on first use, and every blind index is computed) and,
with the same values, as a row of the plaintext twin (bench/plainapp).

Appointments: laid out practitioner by practitioner and day by day in their weekly hours, one
after another so that they never overlap, a share of the slots filled: 80 % in the past (going
back as far as it takes to reach the requested number), in the future falling from 80 % this week
to 7 % twelve weeks ahead. Past visits are completed, missed or cancelled; future ones booked or
cancelled. A cancelled visit frees its time for another one at the same hour, as at a real desk.
Every appointment has a reason for the visit, encrypted under its patient's key by the model field's
own code; the rows go in with COPY (copy_appointments says why).

Loading runs in a few worker processes, each saving a slice of the patients and then the
appointments of its own patients: their keys are still in that process's key cache, as they
would be for a desk that registers patients and books their visits.

While loading, and only then, the keystore has one index more than klinika gives it: on
crypto_datakey (clinic_id, subject_ref). keystore.subject_key() looks a subject's key up by
clinic_id and subject_ref without `purpose = 'subject'`, so PostgreSQL cannot use the partial unique
index one_key_per_subject and reads the whole table for every new patient: loading 100k patients
would take O(n^2) time. The index is dropped again before anything is measured, so every
measurement sees klinika's own schema (the slow lookup included; see RESULTS.md).
"""
import datetime
import random
import uuid
from types import SimpleNamespace

PATIENT_CHUNK = 500
APPOINTMENT_CHUNK = 2000
FUTURE_FILL = [0.8, 0.65, 0.5, 0.38, 0.3, 0.24, 0.2, 0.16, 0.13, 0.11, 0.1, 0.08, 0.07]  # by weeks ahead
PAST_FILL = 0.8
FUTURE_SHARE_MAX = 0.3  # small runs: the future must leave room for a past
VISIT_MIX = {"first": 0.3, "follow-up": 0.55, "prenatal": 0.15}
PAST_STATUSES = (["completed", "no_show", "cancelled"], [86, 5, 9])
FUTURE_STATUSES = (["booked", "cancelled"], [93, 7])
CANCEL_REASON = "pacjent odwołał wizytę telefonicznie"
ID_CARD_SHARE = 0.35
LOAD_INDEX = "bench_loading_only_datakey_subject"
COPY_COLUMNS = ("clinic_id", "patient_id", "practitioner_id", "visit_type_id", "room_id", "starts_at", "ends_at",
                "status", "reason", "cancel_reason", "booked_by_id", "created_at", "updated_at", "cancelled_at")


def generate_people(count: int, seed: int, progress) -> list[dict]:
    """Synthetic patients with unique PESELs, each with a fixed subject_ref (the twin gets the same)."""
    from klinika.testdata.synthetic import SyntheticPeople

    people = SyntheticPeople(seed=seed)
    rng = random.Random(seed)
    task = progress.add_task("generating synthetic patients", total=count)
    out, pesels = [], set()
    while len(out) < count:
        person = people.patient()
        if person["pesel"] in pesels:
            continue
        pesels.add(person["pesel"])
        if rng.random() < ID_CARD_SHARE:
            person = people.with_id_card(person)
        person |= people.consents(person)
        person["subject_ref"] = uuid.UUID(int=rng.getrandbits(128), version=4)
        out.append(person)
        progress.advance(task)
    return out


def plan_appointments(desk, *, total: int, patients: int, seed: int, now, progress) -> list[tuple]:
    """(patient index, practitioner id, visit type id, room id, starts at, ends at (epoch seconds), status,
    reason index) for `total` appointments that never overlap for one practitioner."""
    from klinika.scheduling.slots import clinic_settings, local_date
    from klinika.tenancy.context import clinic_context

    rng = random.Random(seed)
    kinds = {vt.pk: (code, vt.duration_minutes) for code, vt in desk.visit_types.items()}
    today = local_date(now)
    with clinic_context(desk.clinic):
        horizon = clinic_settings().planning_horizon_days
    task = progress.add_task("laying out appointments", total=total)
    future = []
    for offset in range(horizon + 1):
        fill = FUTURE_FILL[min(offset // 7, len(FUTURE_FILL) - 1)]
        _plan_day(desk, today + datetime.timedelta(days=offset), fill, kinds, rng, now, patients, future)
    if len(future) > FUTURE_SHARE_MAX * total:
        keep = FUTURE_SHARE_MAX * total / len(future)
        future = [row for row in future if rng.random() < keep]
    progress.advance(task, min(len(future), total))
    rows, day = future[:total], today - datetime.timedelta(days=1)
    while len(rows) < total:
        before = len(rows)
        _plan_day(desk, day, PAST_FILL, kinds, rng, now, patients, rows)
        del rows[total:]
        progress.advance(task, len(rows) - before)
        day -= datetime.timedelta(days=1)
    return rows


def _plan_day(desk, day, fill, kinds, rng, now, patients, out):
    from klinika.scheduling.models import AppointmentStatus
    from klinika.scheduling.slots import wall_time
    from klinika.testdata.demo import REASONS

    utc = datetime.timezone.utc
    now_ts = now.timestamp()
    midnight = wall_time(day, datetime.time(0, 0))
    for schedule in desk.schedules:
        if any(start <= midnight < end for start, end in schedule.leave):
            continue
        for hours in schedule.hours.get(day.weekday(), []):
            opening, closing = wall_time(day, hours.start), wall_time(day, hours.end)
            if opening is None or closing is None:
                continue
            at, closing = int(opening.astimezone(utc).timestamp()), int(closing.astimezone(utc).timestamp())
            step = hours.slot_minutes * 60
            offered = [(pk, kinds[pk][1] * 60, VISIT_MIX[kinds[pk][0]]) for pk in hours.visit_type_ids]
            weights = [w for *_, w in offered]
            while at < closing:
                visit_type, length, _w = rng.choices(offered, weights)[0]
                ends = at + length
                if ends <= closing and rng.random() < fill:
                    if ends <= now_ts:
                        status = rng.choices(*PAST_STATUSES)[0]
                    elif at <= now_ts:
                        status = AppointmentStatus.CHECKED_IN.value
                    else:
                        status = rng.choices(*FUTURE_STATUSES)[0]
                    out.append((rng.randrange(patients), schedule.practitioner_id, visit_type, hours.room_id, at, ends,
                                status, rng.randrange(len(REASONS))))
                    if status != AppointmentStatus.CANCELLED:
                        at = ends
                        continue
                at += step


def load(desk, people: list[dict], plan: list[tuple], *, loaders: int, progress) -> list[int]:
    """Save patients, twins and appointments in `loaders` processes; the patients' primary keys in order."""
    from django.db import connections

    from bench.desk.team import Team
    from klinika.crypto.models import DataKey

    size = -(-len(people) // loaders)
    slices = [(start, people[start:start + size]) for start in range(0, len(people), size)]
    appointments = [[] for _ in slices]
    for row in plan:
        appointments[row[0] // size].append(row)
    tasks = {"patients": progress.add_task("saving patients and their plaintext twins", total=len(people)),
             "appointments": progress.add_task("saving appointments", total=len(plan))}

    def tick(team):
        for counter, task in tasks.items():
            progress.update(task, completed=team.count(counter))

    payloads = [{"clinic_id": desk.clinic.pk, "first": start, "people": chunk, "appointments": rows,
                 "booked_by": desk.registrars[0].pk}
                for (start, chunk), rows in zip(slices, appointments, strict=True)]
    with connections["keystore"].cursor() as cursor:
        cursor.execute(f"CREATE INDEX {LOAD_INDEX} ON {DataKey._meta.db_table} (clinic_id, subject_ref)")
    try:
        with Team(len(slices), counters=tuple(tasks), name="bench-desk-loader") as team:
            results = team.run("bench.desk.population:load_slice", payloads, on_tick=tick)
    finally:
        with connections["keystore"].cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {LOAD_INDEX}")
    return [pk for pks in results for pk in pks]


def load_slice(payload, crew) -> list[int]:
    """In a loader process: one slice of the patients (both models), then their appointments."""
    from django.db import transaction

    from bench.plainapp.models import PlainPatient
    from klinika.patients.models import Patient
    from klinika.tenancy.context import clinic_context

    clinic_id, first, people = payload["clinic_id"], payload["first"], payload["people"]
    with clinic_context(clinic_id):
        patients = []
        for start in range(0, len(people), PATIENT_CHUNK):
            chunk = people[start:start + PATIENT_CHUNK]
            # one commit per chunk on both databases (subject keys are made in the keystore)
            with transaction.atomic(), transaction.atomic(using="keystore"):
                patients += Patient.objects.bulk_create([Patient(clinic_id=clinic_id, **p) for p in chunk])
                PlainPatient.objects.bulk_create([PlainPatient(clinic_id=clinic_id, **p) for p in chunk])
            crew.advance("patients", len(chunk))
        copy_appointments(payload["appointments"], patients, first, clinic_id, payload["booked_by"], crew)
    return [patient.pk for patient in patients]


def copy_appointments(rows, patients, first, clinic_id, booked_by, crew):
    """COPY the appointments into klinika's table, chunk by chunk, with its indexes and exclusion constraint
    in place. The reason (and a cancellation's reason) is encrypted by the model field's own pre_save
    (the patient's subject key, the column's aad), on a stand-in for the row: building a million model
    instances through bulk_create costs several times more than the encryption itself."""
    from django.db import connection, transaction

    from klinika.scheduling.models import Appointment, AppointmentStatus
    from klinika.testdata.demo import REASONS

    utc = datetime.timezone.utc
    now = datetime.datetime.now(utc)
    reason, cancel_reason = Appointment._meta.get_field("reason"), Appointment._meta.get_field("cancel_reason")
    statement = f"COPY {Appointment._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN"

    def encrypted(field, value, subject_ref):
        row = SimpleNamespace(**{field.attname: value}, clinic_id=clinic_id, encryption_subject_ref=lambda: subject_ref)
        return bytes(field.pre_save(row, True))

    for start in range(0, len(rows), APPOINTMENT_CHUNK):
        chunk = rows[start:start + APPOINTMENT_CHUNK]
        with transaction.atomic():
            connection.ensure_connection()
            with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
                for patient, practitioner, visit_type, room, starts, ends, status, reason_index in chunk:
                    subject_ref = patients[patient - first].subject_ref
                    starts_at = datetime.datetime.fromtimestamp(starts, utc)
                    booked_at = min(starts_at - datetime.timedelta(days=7), now)
                    cancelled = status == AppointmentStatus.CANCELLED
                    copy.write_row((
                        clinic_id, patients[patient - first].pk, practitioner, visit_type, room, starts_at,
                        datetime.datetime.fromtimestamp(ends, utc), status,
                        encrypted(reason, REASONS[reason_index], subject_ref),
                        encrypted(cancel_reason, CANCEL_REASON, subject_ref) if cancelled else None,
                        booked_by, booked_at, booked_at, booked_at + datetime.timedelta(days=1) if cancelled else None))
        crew.advance("appointments", len(chunk))


def check_readable(desk, count=50):
    """Appointments written with COPY must read back through klinika's model like any other."""
    from klinika.scheduling.models import Appointment
    from klinika.tenancy.context import clinic_context
    from klinika.testdata.demo import REASONS

    with clinic_context(desk.clinic):
        for appointment in Appointment.objects.select_related("patient").order_by("?")[:count]:
            if appointment.reason not in REASONS or appointment.patient.pesel is None:
                raise SystemExit(f"appointment {appointment.pk} does not read back through the model")


def analyze(progress):
    """VACUUM ANALYZE the tables the measurements read, so the planner knows their sizes."""
    from django.db import connections

    from bench.plainapp.models import PlainPatient
    from klinika.audit.models import AuditEvent
    from klinika.crypto.models import DataKey
    from klinika.patients.models import Patient
    from klinika.scheduling.models import Appointment

    task = progress.add_task("VACUUM ANALYZE", total=2)
    with connections["default"].cursor() as cursor:
        tables = ", ".join(m._meta.db_table for m in (Patient, PlainPatient, Appointment, AuditEvent))
        cursor.execute(f"VACUUM ANALYZE {tables}")
    progress.advance(task)
    with connections["keystore"].cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {DataKey._meta.db_table}")
    progress.advance(task)


def table_sizes() -> dict:
    from django.db import connection

    from bench.plainapp.models import PlainPatient
    from klinika.patients.models import Patient
    from klinika.scheduling.models import Appointment

    sizes = {}
    with connection.cursor() as cursor:
        for model in (Patient, PlainPatient, Appointment):
            table = model._meta.db_table
            cursor.execute("SELECT count(*), pg_total_relation_size(%s), pg_relation_size(%s) FROM " + table,
                           [table, table])
            rows, total, heap = cursor.fetchone()
            sizes[table] = {"rows": rows, "total_mb": total / 2**20, "heap_mb": heap / 2**20}
    return sizes
