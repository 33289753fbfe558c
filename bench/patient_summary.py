"""The patient summary over a long history: its queries stay bounded, and encryption costs a measured ratio.

    python bench/patient_summary.py [--db sqlite|postgres] [--sizes 50,200,500] [--repeats N] [--json FILE]

One clinic; three patients whose histories hold 50, 200 and 500 signed visits (notes, ICD-10 diagnoses,
ICD-9-PL procedures; every tenth visit amended once), measurements, allergies, attachment rows and
e-documents in proportion (300 for the 500-visit patient: e-prescriptions, e-referrals, e-sick-leaves with
encrypted content, created directly with the edocs models), plus background patients so the tables are not
trivially small. The same rows, in plaintext, go to the twin tables of bench/plainrecords.

For each patient the summary is opened with the function the visit screen uses
(klinika.records.summary.build_summary, the patient row's load included) on both sides:

  queries  counted on the clinic-data connection (keys live in another database)
  ratio    median over --repeats runs of encrypted time / plaintext time, the two sides adjacent in time
           and alternating which goes first, each the best of --best-of loads; "warm": the keys are in
           the process cache; "cold": the cache is emptied right before each encrypted load

PostgreSQL uses databases of its own (default klinika_bench_summary and klinika_bench_summary_keystore),
dropped and re-created at the start of each run; their names must contain "bench".
"""
import argparse
import base64
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
for path in (str(REPO / "src"), str(REPO)):
    if path not in sys.path:
        sys.path.insert(0, path)

PG_DEFAULT = "postgres://klinika:klinika@127.0.0.1:5432/klinika_bench_summary"
PG_KEYSTORE_DEFAULT = "postgres://klinika:klinika@127.0.0.1:5432/klinika_bench_summary_keystore"
DOCUMENTS_PER_VISIT = 0.6  # 300 documents for 500 visits
NOTES = [
    "Od kilku dni ból gardła i katar, temperatura do 38 stopni.", "Kontrola ciśnienia, samopoczucie dobre.",
    "Ciąża przebiega prawidłowo, ruchy płodu odczuwalne.", "Kaszel suchy, nasilający się w nocy.",
    "Bóle głowy po pracy przy komputerze, bez objawów ogniskowych.", "Upławy od tygodnia, świąd sromu.",
    "Cukrzyca wyrównana, glikemie na czczo 100-120 mg/dl.", "Ból w dole brzucha po prawej stronie od rana.",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", default="50,200,500", help="visits per measured patient (default 50,200,500)")
    parser.add_argument("--background", type=int, default=100, help="other patients, 10 visits each (default 100)")
    parser.add_argument("--repeats", type=int, default=40, help="measured runs per patient and cache state")
    parser.add_argument("--best-of", type=int, default=2, help="loads per side and run; the fastest counts")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_SUMMARY_DATABASE_URL", PG_DEFAULT))
    parser.add_argument("--pg-keystore-url",
                        default=os.environ.get("BENCH_SUMMARY_KEYSTORE_DATABASE_URL", PG_KEYSTORE_DEFAULT))
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    return parser.parse_args()


# --------------------------------------------------------------------------- set-up


def fresh_postgres_database(url: str):
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: bench databases must have 'bench' in their name")
    conninfo = psycopg.conninfo.make_conninfo(host=cfg["HOST"] or None, port=cfg["PORT"] or None,
                                              user=cfg["USER"] or None, password=cfg["PASSWORD"] or None,
                                              dbname="postgres")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" OWNER "{cfg["USER"]}"')


def configure(args) -> Path:
    temp = Path(tempfile.mkdtemp(prefix="klinika-bench-summary-"))
    os.environ["KLINIKA_DATA_DIR"] = str(temp)
    os.environ["KLINIKA_ROOT_KEY"] = base64.b64encode(os.urandom(32)).decode()
    os.environ.pop("KLINIKA_DEBUG", None)
    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("KEYSTORE_DATABASE_URL", None)
    else:
        fresh_postgres_database(args.pg_url)
        fresh_postgres_database(args.pg_keystore_url)
        os.environ["DATABASE_URL"] = args.pg_url
        os.environ["KEYSTORE_DATABASE_URL"] = args.pg_keystore_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.summary_settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.plainrecords.models import TWINS

    call_command("migrate", database="default", verbosity=0)
    call_command("migrate", database="keystore", verbosity=0)
    with connection.schema_editor() as editor:  # foreign keys are added at the end of the block
        for twin in TWINS.values():
            editor.create_model(twin)
    return temp


class Side:
    """One set of tables (the real, encrypted ones or their plaintext twins) and how to fill it."""

    def __init__(self, plain: bool):
        from bench.plainrecords.models import TWINS
        from klinika.accounts.models import StaffMember
        from klinika.edocs.models import Prescription, PrescriptionPackage, Referral, SickLeave
        from klinika.patients.models import Patient
        from klinika.records.models import Allergy, Attachment, Encounter, EncounterVersion, VitalSigns
        from klinika.records.summary import Tables
        from klinika.staff.models import Practitioner

        pick = (lambda model: TWINS[model]) if plain else (lambda model: model)
        self.plain = plain
        self.Patient, self.StaffMember, self.Practitioner = pick(Patient), pick(StaffMember), pick(Practitioner)
        self.Encounter, self.Version, self.Vitals = pick(Encounter), pick(EncounterVersion), pick(VitalSigns)
        self.Allergy, self.Attachment, self.Package = pick(Allergy), pick(Attachment), pick(PrescriptionPackage)
        self.Prescription, self.Referral, self.SickLeave = pick(Prescription), pick(Referral), pick(SickLeave)
        self.tables = Tables(patient=self.Patient, encounter=self.Encounter, practitioner=self.Practitioner,
                             allergy=self.Allergy, vitals=self.Vitals, attachment=self.Attachment,
                             documents=(("rx", self.Prescription), ("ref", self.Referral),
                                        ("zla", self.SickLeave)))


def history(rng, codes10, codes9, visits: int, now):
    """The same generated history for both sides: one dict per visit, oldest first."""
    out = []
    for n in range(visits):
        picked = rng.sample(codes10, rng.randint(1, 3))
        diagnoses = [{"code": code, "name": name, "main": i == 0} for i, (code, name) in enumerate(picked)]
        content = {"interview": " ".join(rng.sample(NOTES, 3)), "examination": " ".join(rng.sample(NOTES, 2)),
                   "recommendations": rng.choice(NOTES), "diagnoses": diagnoses,
                   "procedures": [{"code": code, "name": name} for code, name in rng.sample(codes9, rng.randint(0, 2))]}
        amended = None
        if n % 10 == 9:
            amended = {**content, "recommendations": content["recommendations"] + " Kontrola za miesiąc."}
        out.append({"started_at": now - datetime.timedelta(days=7 * (visits - n)), "content": content,
                    "amended": amended, "vitals": n % 4 == 0,
                    "values": {"bp_systolic": rng.randint(100, 160), "bp_diastolic": rng.randint(60, 95),
                               "pulse": rng.randint(55, 100), "weight_kg": round(rng.uniform(50, 110), 1),
                               "height_cm": 170.0}})
    return out


def fill(side: Side, clinic, person, staff, users, visits, rng_seed, documents: int, counter):
    """Insert one patient's history on one side. Bulk inserts still encrypt (pre_save runs per row)."""
    rng = random.Random(rng_seed)
    patient = side.Patient(clinic_id=clinic.pk, **person)
    patient.save()
    encounters = [side.Encounter(clinic_id=clinic.pk, patient=patient, practitioner=staff[i % len(staff)],
                                 started_at=v["started_at"], status="signed", signed_at=v["started_at"])
                  for i, v in enumerate(visits)]
    side.Encounter.objects.bulk_create(encounters, batch_size=500)
    versions, currents = [], []
    for encounter, visit, i in zip(encounters, visits, range(len(visits)), strict=True):
        author = users[i % len(users)]
        first = side.Version(clinic_id=clinic.pk, encounter=encounter, number=1, content=visit["content"],
                             amendment_reason="", author=author, signed_at=visit["started_at"], signed_by=author)
        versions.append(first)
        current = first
        if visit["amended"]:
            current = side.Version(clinic_id=clinic.pk, encounter=encounter, number=2, content=visit["amended"],
                                   amendment_reason="uzupełnienie zaleceń", author=author,
                                   signed_at=visit["started_at"] + datetime.timedelta(days=1), signed_by=author)
            versions.append(current)
        currents.append(current)
    side.Version.objects.bulk_create(versions, batch_size=500)
    for encounter, current in zip(encounters, currents, strict=True):
        encounter.current = current
    side.Encounter.objects.bulk_update(encounters, ["current"], batch_size=500)
    side.Vitals.objects.bulk_create(
        [side.Vitals(clinic_id=clinic.pk, patient=patient, encounter=e, values=v["values"], recorded_by=users[0])
         for e, v in zip(encounters, visits, strict=True) if v["vitals"]], batch_size=500)
    side.Allergy.objects.bulk_create(
        [side.Allergy(clinic_id=clinic.pk, patient=patient, substance=s, reaction="wysypka", severity="moderate",
                      recorded_by=users[0]) for s in ("Penicylina", "Pyłki traw", "Lateks")])
    side.Attachment.objects.bulk_create(
        [side.Attachment(clinic_id=clinic.pk, public_id=uuid.UUID(int=rng.getrandbits(128)), patient=patient,
                         encounter=encounters[-1 - n], kind="lab", content_type="application/pdf", size=120_000,
                         storage_name=f"{side.plain}-{rng.getrandbits(64):016x}", original_name=f"wyniki-{n}.pdf",
                         description="morfologia", uploaded_by=users[0]) for n in range(min(20, len(encounters)))])
    _documents(side, clinic, patient, encounters, staff, documents, rng, counter)
    return patient


def _documents(side, clinic, patient, encounters, staff, count, rng, counter):
    kinds = ["rx"] * 12 + ["ref"] * 5 + ["zla"] * 3  # 60% prescriptions, 25% referrals, 15% sick leaves
    packages, prescriptions, referrals, leaves = [], [], [], []
    for n in range(count):
        encounter = rng.choice(encounters)
        common = {"clinic_id": clinic.pk, "patient": patient, "practitioner": encounter.practitioner,
                  "encounter": encounter, "status": "submitted", "access_code": f"{rng.randrange(10000):04d}",
                  "platform_id": f"P1-{next(counter)}"}
        kind = kinds[n % len(kinds)]
        if kind == "rx":
            package = side.Package(clinic_id=clinic.pk, patient=patient, practitioner=encounter.practitioner,
                                   encounter=encounter, access_code=common["access_code"])
            packages.append(package)
            prescriptions.append((package, {**common, "number": f"RX-{next(counter)}", "content": {
                "drug": {"name": "Amoxicillinum", "strength": "500 mg", "form": "kaps.", "pack_size": "16 szt."},
                "dosage": "1 kaps. co 8 godzin", "quantity": 1, "payment_level": "100%", "validity_days": 7}}))
        elif kind == "ref":
            referrals.append(side.Referral(**common, number=f"REF-{next(counter)}", content={
                "kind": "02.11", "icd10": "N76.0", "icd9": [], "purpose": "konsultacja", "cito": False}))
        else:
            leaves.append(side.SickLeave(**common, number=f"ZLA-{next(counter)}", content={
                "from": "2026-01-05", "to": "2026-01-09", "icd10": "J06.9", "letter_codes": [], "indication": 2}))
    side.Package.objects.bulk_create(packages, batch_size=500)
    side.Prescription.objects.bulk_create([side.Prescription(package=p, **kw) for p, kw in prescriptions],
                                          batch_size=500)
    side.Referral.objects.bulk_create(referrals, batch_size=500)
    side.SickLeave.objects.bulk_create(leaves, batch_size=500)


def populate(args, sizes, progress):
    import itertools

    from klinika.accounts.models import User
    from klinika.lifecycle.services import create_clinic
    from klinika.records.codefiles import builtin_rows
    from klinika.tenancy.context import clinic_context
    from klinika.testdata.synthetic import SyntheticPeople

    clinic = create_clinic("Przychodnia Benchmark Wizyt", "bench-summary")
    people = SyntheticPeople(seed=args.seed)
    rng = random.Random(args.seed)
    codes10, codes9 = builtin_rows("icd10"), builtin_rows("icd9pl")
    now = datetime.datetime.now(datetime.UTC)
    counter = itertools.count(1)
    sides = [Side(plain=False), Side(plain=True)]
    measured = {}
    with clinic_context(clinic):
        users, staff = [], {False: [], True: []}
        for n in range(3):
            user = User.objects.create_user(f"lekarz-bench-{n}", None, role="doctor", clinic=clinic)
            users.append(user)
            member_data = people.staff()
            for side in sides:
                member = side.StaffMember(clinic_id=clinic.pk, user=user, subject_ref=uuid.uuid4(), **member_data)
                member.save()
                practitioner = side.Practitioner(clinic_id=clinic.pk, staff=member, profession="doctor",
                                                 title="lek.", licence_number=f"{5425740 + n}")
                practitioner.save()
                staff[side.plain].append(practitioner)
        plan = [(size, True) for size in sizes] + [(10, False)] * args.background
        task = progress.add_task("generating histories (both sides)", total=len(plan))
        for size, is_measured in plan:
            person = people.patient() | {"subject_ref": uuid.UUID(int=rng.getrandbits(128), version=4)}
            visits = history(rng, codes10, codes9, size, now)
            seed = rng.getrandbits(32)
            documents = int(size * DOCUMENTS_PER_VISIT)
            pair = [fill(side, clinic, person, staff[side.plain], users, visits, seed, documents, counter)
                    for side in sides]
            if is_measured:
                measured[size] = (pair[0].pk, pair[1].pk)
            progress.advance(task)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return clinic, measured, sides, now


# --------------------------------------------------------------------------- measuring


def load_summary(side: Side, pk, now):
    from klinika.records.summary import build_summary

    patient = side.Patient.objects.get(pk=pk)
    return build_summary(patient, tables=side.tables, now=now)


def fingerprint(summary) -> tuple:
    """What the screen shows, minus ids: both sides must show the same."""
    return ([(p.code, p.name, p.kind, p.visits) for p in summary.problems],
            [(v.started_at, v.main_diagnosis, v.version, v.practitioner, sorted(v.documents.items()))
             for v in summary.recent_visits],
            summary.visit_count, [str(a.substance) for a in summary.allergies],
            summary.vitals.values if summary.vitals else None, len(summary.attachments))


def count_queries(side, pk, now) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        load_summary(side, pk, now)
    return len(captured)


def timed(side, pk, now, best_of, before=None) -> float:
    best = float("inf")
    for _ in range(best_of):
        if before:
            before()
        start = time.perf_counter()
        load_summary(side, pk, now)
        best = min(best, time.perf_counter() - start)
    return best


def measure(args, measured, sides, now, clinic, progress):
    from klinika.crypto import keystore
    from klinika.tenancy.context import clinic_context

    encrypted, plain = sides
    results = []
    with clinic_context(clinic):
        for size, (enc_pk, plain_pk) in sorted(measured.items()):
            same = fingerprint(load_summary(encrypted, enc_pk, now)) == fingerprint(load_summary(plain, plain_pk, now))
            assert same, "the two sides show different summaries"
            row = {"visits": size, "documents": int(size * DOCUMENTS_PER_VISIT),
                   "queries_encrypted": count_queries(encrypted, enc_pk, now),
                   "queries_plaintext": count_queries(plain, plain_pk, now)}
            for cache in ("warm", "cold"):
                before = keystore.forget_cached_keys if cache == "cold" else None
                ratios, enc_times, plain_times = [], [], []
                task = progress.add_task(f"{size} visits, {cache} keys", total=args.repeats)
                for run in range(args.repeats):
                    if run % 2 == 0:
                        e = timed(encrypted, enc_pk, now, args.best_of, before)
                        p = timed(plain, plain_pk, now, args.best_of)
                    else:
                        p = timed(plain, plain_pk, now, args.best_of)
                        e = timed(encrypted, enc_pk, now, args.best_of, before)
                    ratios.append(e / p)
                    enc_times.append(e)
                    plain_times.append(p)
                    progress.advance(task)
                row[f"ratio_{cache}"] = statistics.median(ratios)
                row[f"ms_encrypted_{cache}"] = statistics.median(enc_times) * 1000
                row[f"ms_plaintext_{cache}"] = statistics.median(plain_times) * 1000
            results.append(row)
    return results


def machine(args) -> dict:
    import sqlite3

    from django.db import connection

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            database = f"SQLite {sqlite3.sqlite_version}"
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "database": database}


def main():
    args = parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    temp = configure(args)
    try:
        from rich.console import Console
        from rich.progress import Progress
        from rich.table import Table

        console = Console(width=max(Console().width, 110))
        with Progress(console=console, transient=True) as progress:
            clinic, measured, sides, now = populate(args, sizes, progress)
            results = measure(args, measured, sides, now, clinic, progress)
        info = machine(args)
        table = Table(title=f"patient summary, {info['database']}: encrypted vs plaintext twin")
        for column in ("visits", "documents", "queries enc/plain", "ratio warm", "ratio cold",
                       "ms enc warm", "ms plain warm", "ms enc cold"):
            table.add_column(column, justify="right")
        for r in results:
            table.add_row(str(r["visits"]), str(r["documents"]), f"{r['queries_encrypted']}/{r['queries_plaintext']}",
                          f"{r['ratio_warm']:.2f}×", f"{r['ratio_cold']:.2f}×", f"{r['ms_encrypted_warm']:.1f}",
                          f"{r['ms_plaintext_warm']:.1f}", f"{r['ms_encrypted_cold']:.1f}")
        console.print(table)
        queries = {r["queries_encrypted"] for r in results}
        console.print(f"queries per summary: {sorted(queries)} — "
                      + ("bounded (the same for every history length)" if len(queries) == 1 else "GROWS"))
        console.print(f"machine: {info['cpu']} ({info['cpus']} CPUs), Python {info['python']}, {info['platform']}")
        if args.json:
            args.json.write_text(json.dumps({"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
                                             "results": results}, indent=2))
    finally:
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
