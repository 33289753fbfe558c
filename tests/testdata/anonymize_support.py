"""Shared by the test_anonymize_* files: a generated clinic (synth patients and staff,
appointments, visit notes with planted identifiers from tests/support/scrub_corpus's templates),
anonymized once per session. Everyone in it is generated; no real personal data."""
import datetime
import functools
import json
import random

from klinika.testdata.anonymize import RunSecret, anonymize
from klinika.testdata.synth import generate_patients, generate_practitioners
from klinika.testdata.synthetic import SyntheticPeople
from tests.support.scrub_corpus import CLINICAL, IDENTIFYING, Writer, dob_text, fill, pesel_text, phone_text

REFERENCE_DATE = datetime.date(2026, 3, 15)
PATIENTS = 600
SEED = 11
# The last sentences of bench's CLINICAL are clinical words that are also names ("Róża
# podudzia", "kot"): the independent grep below cannot tell those from a name, so they are left out.
CLINICAL_PLAIN = CLINICAL[:next(i for i, s in enumerate(CLINICAL) if "kot i pies" in s)]
STATUSES = (("completed", 0.82), ("no_show", 0.08), ("cancelled", 0.10))
COMPLAINTS = ["bólu głowy", "kaszlu", "bólu brzucha", "gorączki", "duszności"]


def _status(rng):
    r, edge = rng.random(), 0.0
    for status, share in STATUSES:
        edge += share
        if r < edge:
            return status
    return STATUSES[-1][0]


@functools.cache
def clinic() -> dict:
    rng = random.Random(SEED)
    patients = [row for batch in generate_patients(PATIENTS, seed=SEED, batch_size=PATIENTS,
                                                    reference_date=REFERENCE_DATE) for row in batch.rows()]
    staff = []
    for n, member in enumerate(generate_practitioners(seed=SEED, doctors=8, nurses=3, reference_date=REFERENCE_DATE)):
        member = dict(member, id=1000 + n)
        if member["profession"] == "doctor":
            member["npwz"] = member.pop("licence_number")
        staff.append(member)
    doctors = [s for s in staff if s.get("npwz")]
    synthetic = SyntheticPeople(seed=SEED)
    fillers = {
        "complaint": lambda: rng.choice(COMPLAINTS), "complaint_acc": lambda: "ból głowy",
        "n": lambda: rng.randint(2, 4), "sys": lambda: rng.randint(105, 170), "dia": lambda: rng.randint(60, 105),
        "hr": lambda: rng.randint(52, 110), "t": lambda: rng.randint(1, 9), "glu": lambda: rng.randint(70, 180),
        "a1c": lambda: rng.randint(5, 9), "a1cd": lambda: rng.randint(0, 9), "icd": lambda: "I10",
        "order": lambda: rng.randint(10_000_000, 99_999_999), "bad_pesel": lambda: "12345678901",
        "visit_date": lambda: f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2019, 2025)}",
        "hour": lambda: rng.randint(8, 18), "minute": lambda: "30", "chol": lambda: rng.randint(3, 7),
        "ldl": lambda: rng.randint(1, 5), "d": lambda: rng.randint(0, 9), "bmi": lambda: rng.randint(18, 38),
        "waist": lambda: rng.randint(65, 125), "vas": lambda: rng.randint(1, 10), "lot": lambda: "K123",
        "code4": lambda: rng.randint(1000, 9999), "weekday": lambda: "wtorek"}
    appointments, notes = [], []
    for person in patients:
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 6))):
            doctor = rng.choice(doctors)
            day = REFERENCE_DATE - datetime.timedelta(days=rng.randint(1, 900))
            starts = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.choice((0, 20, 40))))
            status = _status(rng)
            aid = len(appointments) + 1
            appointments.append({
                "id": aid, "patient": person["id"], "practitioner": doctor["id"], "starts_at": starts,
                "ends_at": starts + datetime.timedelta(minutes=20), "status": status,
                "booked_at": starts - datetime.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 8)),
                "reason": rng.choice([f"Kontrola, tel. {person['phone'] or '-'}", "Kontrola ciśnienia",
                                      f"Pacjent {person['first_name']} {person['last_name']} prosi o receptę"])})
            if status == "completed":
                notes.append({"id": len(notes) + 1, "patient": person["id"], "encounter": 5000 + aid,
                              "written_at": starts + datetime.timedelta(minutes=25),
                              "text": _note(rng, person, rng.choice(patients), doctor, synthetic, fillers)})
    return {"patients": patients, "staff": staff, "appointments": appointments, "notes": notes}


def _note_person(person: dict) -> dict:
    address = dict(person.get("address") or {})
    address["street"] = address.get("street", "").removeprefix("ul. ")
    return dict(person, address=address)


def _note(rng, patient, other, doctor, synthetic, fillers) -> str:
    values = {}
    people = {"P": _note_person(patient), "O": _note_person(other), "D": dict(doctor, address={})}
    for who, person in people.items():
        address = person["address"]
        values[who] = {
            "pesel": pesel_text(rng, person.get("pesel") or ""), "phone": phone_text(rng, person.get("phone") or ""),
            "email": person.get("email") or "", "npwz": person.get("npwz", ""),
            "building": address.get("building", ""), "postal": address.get("postal_code", ""),
            "city": address.get("city", ""),
            "dob": dob_text(rng, person.get("birth_date", datetime.date(1980, 1, 1))),
            "idcard": synthetic.id_card_number(),
            "passport": person.get("document_number") or synthetic.passport_number()}
    ctx = {**people, "values": values, "fillers": fillers}
    writer = Writer()
    sentences = rng.sample(IDENTIFYING, 3) + rng.sample(CLINICAL_PLAIN, 3)
    rng.shuffle(sentences)
    for i, template in enumerate(sentences):
        if i:
            writer.text(" ")
        fill(writer, template, ctx, rng)
    return "".join(writer.parts)


@functools.cache
def anonymized() -> tuple[dict, dict, RunSecret]:
    source = clinic()
    secret = RunSecret()
    records, report = anonymize(source["patients"], iter(source["appointments"]), iter(source["notes"]),
                                source["staff"], k=5, today=REFERENCE_DATE, secret=secret)
    return records, report, secret


def serialized(records: dict) -> str:
    return json.dumps(records, default=str, ensure_ascii=False)


def id_of(secret_key: bytes, kind: str, source_id) -> str:
    """The opaque id a run under `secret_key` gives a source id (its first probe: 48-bit ids
    do not collide among a few thousand records)."""
    number = RunSecret(secret_key).number(f"id:{kind}", str(source_id) + "\x000")
    return f"{kind[0]}{number % 16**12:012x}"


FIXED_KEY = bytes(range(32))


@functools.cache
def anonymized_with_known_key() -> dict:
    """A run whose key the test knows, so it can link source and output records (never done in
    production, where the key is random and destroyed)."""
    source = clinic()
    records, _report = anonymize(source["patients"], source["appointments"], source["notes"], source["staff"],
                                 today=REFERENCE_DATE, secret=RunSecret(FIXED_KEY))
    return records
