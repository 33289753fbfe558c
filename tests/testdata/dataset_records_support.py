"""A small synthetic clinic as klinika-records/v1 files (generated people only), for the importer's
tests: staff, visit types, weekly hours, patients (wards listed before their guardians),
appointments that never overlap, signed visit records for completed visits, allergies.

`days_ahead` dates the history as if "today" were that many days from now: completed visits then
lie in the future, as an anonymized dataset's per-patient date shifts can leave them."""
import datetime
import json
import random

from django.utils import timezone

from klinika.testdata.demo_stories import INTERNAL_MEDICINE
from klinika.testdata.synth import generate_patients, generate_practitioners

STORY = INTERNAL_MEDICINE[0]


def plain(record: dict) -> dict:
    """As a dataset holds it: dates and datetimes as ISO strings."""
    return json.loads(json.dumps(record, default=lambda v: v.isoformat()))


def clinic_records(*, patients: int = 40, seed: int = 5, days_ahead: int = 0) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    zone = timezone.get_default_timezone()
    today = timezone.localdate() + datetime.timedelta(days=days_ahead)
    staff = [dict(member, id=f"st{n}") for n, member in enumerate(
        generate_practitioners(seed=seed, doctors=3, nurses=1, reference_date=today))]
    doctors = [s for s in staff if s["profession"] == "doctor"]
    visit_types = [{"id": "vt-porada", "name": "Porada", "duration_minutes": 20},
                   {"id": "vt-kontrola", "name": "Wizyta kontrolna", "duration_minutes": 30}]
    start = today - datetime.timedelta(days=120)
    hours = [{"id": f"h{n}", "practitioner": d["id"], "weekday": day, "start_time": "08:00", "end_time": "18:00",
              "slot_minutes": 10, "visit_types": ["vt-porada", "vt-kontrola"], "valid_from": start.isoformat()}
             for n, (d, day) in enumerate((d, day) for d in doctors for day in range(5))]
    people = [row for batch in generate_patients(patients, seed=seed, batch_size=patients, reference_date=today)
              for row in batch.rows()]
    people = [dict(p, id=f"p{p['id']}", guardian=None if p["guardian"] is None else f"p{p['guardian']}")
              for p in people]
    people.reverse()  # wards before their guardians: the importer must wait for the guardian

    appointments, encounters, allergies = [], [], []
    for person in people:
        for _ in range(rng.choice((0, 1, 2, 3))):
            doctor = rng.choice(doctors)
            slot = len(appointments)  # a time of its own: no two visits overlap, whoever they are with
            day = start + datetime.timedelta(days=slot * 7 % 150)
            starts = datetime.datetime.combine(day, datetime.time(8), tzinfo=zone) + datetime.timedelta(
                minutes=30 * (slot // 150 % 16))
            kind = rng.choice(visit_types)
            ends = starts + datetime.timedelta(minutes=kind["duration_minutes"])
            booked = min(starts - datetime.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 5)),
                         datetime.datetime.combine(today, datetime.time(0), tzinfo=zone) - datetime.timedelta(
                             hours=rng.randint(1, 48)))  # booked before "today", however far ahead the visit
            past = day < today
            status = rng.choice(("completed", "completed", "completed", "no_show", "cancelled") if past
                                else ("booked", "booked", "cancelled"))
            row = {"id": f"a{len(appointments)}", "patient": person["id"], "practitioner": doctor["id"],
                   "visit_type": kind["id"], "starts_at": starts, "ends_at": ends, "status": status,
                   "booked_at": booked, "reason": STORY.reason}
            if status == "cancelled":
                row.update(cancelled_at=booked + (min(starts, datetime.datetime.combine(
                    today, datetime.time(0), tzinfo=zone)) - booked) / 2, cancel_reason="pacjent odwołał")
            appointments.append(row)
            if status == "completed":
                encounters.append({
                    "id": f"e{len(encounters)}", "appointment": row["id"], "patient": person["id"],
                    "practitioner": doctor["id"], "started_at": starts,
                    "signed_at": ends + datetime.timedelta(minutes=rng.randint(1, 60)),
                    "content": {"interview": STORY.interview, "examination": STORY.examination,
                                "recommendations": STORY.recommendations,
                                "diagnoses": [{"code": STORY.diagnosis, "main": True}],
                                "procedures": [{"code": code} for code in STORY.procedures]}})
        if rng.random() < 0.2:
            allergies.append({"id": f"al{len(allergies)}", "patient": person["id"], "substance": "penicylina",
                              "reaction": "pokrzywka", "severity": "moderate", "is_active": True,
                              "recorded_at": start})
    files = {"staff": staff, "visit_types": visit_types, "weekly_hours": hours, "patients": people,
             "appointments": appointments, "encounters": encounters, "allergies": allergies}
    return {name: [plain(r) for r in rows] for name, rows in files.items()}
