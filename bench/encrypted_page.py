"""Encrypted page load vs. a plaintext twin, side by side in one run.

Criterion (issue): loading a page of 50 patients with 6 encrypted fields each, through
the ORM, costs at most 1.25x the same query on an identical model with plaintext fields
(ratio measured side by side in one run, median of repeats). Also reports µs per field
decrypt and per blind-index computation, and the ratio with a warm and a cold key cache.

    python bench/encrypted_page.py [--db sqlite|postgres] [--rows N] [--repeats N]
                                   [--breakdown] [--profile] [--json FILE]

Scenarios, each timed against the plaintext twin (bench/plainapp: Patient with plain
fields) on the same page, adjacent in time, alternating which goes first, best of
--best-of loads per side:

  list6         .only() the 6 fields a patient list shows (surname, first name, PESEL,
                birth date, phone, e-mail), a random page (OFFSET): the issue's criterion
  list6 page 1  the same, first page (no OFFSET scan)
  fullN         whole rows, a random page: every encrypted field of Patient (N of them)
                and its blind-index columns, which the twin does not have (a plaintext
                model indexes its columns directly)

"warm": the page's keys are in the process cache (the page was loaded once, untimed).
"cold": keystore.forget_cached_keys() right before the timed encrypted load, so each of
the page's 50 per-patient subject keys comes from the keystore and is unwrapped again.

Every value is read and formatted as a template would. The two models are checked to
show identical pages before timing. Ratio = median over pages of (encrypted time /
plaintext time), wall clock; "CPU ratio" is the same with this thread's CPU time, which a
busy machine disturbs far less (with SQLite it is all the work; with PostgreSQL it leaves
out the server's). The verdict is list6 warm, wall clock; every other ratio is beside it.

PostgreSQL uses its own databases (default klinika_bench and klinika_bench_keystore),
dropped and re-created at the start of each run; their names must contain "bench".
"""
import argparse
import base64
import cProfile
import datetime
import gc
import importlib.util
import io
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(REPO))  # the bench package
if importlib.util.find_spec("klinika") is None:  # not installed: this checkout's (PYTHONPATH may name another)
    sys.path.insert(1, str(REPO / "src"))

PAGE = 50
LIMIT = 1.25
LIST_FIELDS = ("last_name", "first_name", "pesel", "birth_date", "phone", "email")
PG_DEFAULT = "postgres://klinika:klinika@127.0.0.1:5432/klinika_bench"
PG_KEYSTORE_DEFAULT = "postgres://klinika:klinika@127.0.0.1:5432/klinika_bench_keystore"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=5000, help="patients in each model (default 5000)")
    parser.add_argument("--repeats", type=int, default=300, help="random pages measured (default 300)")
    parser.add_argument("--best-of", type=int, default=3,
                        help="each page is loaded this many times per side, alternating; the faster one counts "
                             "(filters out a busy machine's preemptions; default 3)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT))
    parser.add_argument("--pg-keystore-url", default=os.environ.get("BENCH_KEYSTORE_DATABASE_URL", PG_KEYSTORE_DEFAULT))
    parser.add_argument("--breakdown", action="store_true",
                        help="also attribute the encrypted page's cost (ciphertext I/O, AES-GCM floor, klinika)")
    parser.add_argument("--profile", action="store_true", help="also cProfile warm page loads (to bench/out/)")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    return parser.parse_args()


# --------------------------------------------------------------------------- set-up


def fresh_postgres_database(url: str):
    """Drop and re-create a bench database (refuses any name without 'bench' in it)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: bench databases must have 'bench' in their name")
    conninfo = psycopg.conninfo.make_conninfo(
        host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None, dbname="postgres",
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" OWNER "{cfg["USER"]}"')


def configure(args) -> Path:
    """Environment for bench.settings, then django.setup(). Returns a temp dir to remove."""
    temp = Path(tempfile.mkdtemp(prefix="klinika-bench-"))
    os.environ["KLINIKA_DATA_DIR"] = str(temp)
    os.environ["KLINIKA_ROOT_KEY"] = base64.b64encode(os.urandom(32)).decode()
    os.environ.pop("KLINIKA_DEBUG", None)
    if args.db == "sqlite":
        # Never the developer's PostgreSQL: SQLite files in the temp data dir.
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("KEYSTORE_DATABASE_URL", None)
    else:
        fresh_postgres_database(args.pg_url)
        fresh_postgres_database(args.pg_keystore_url)
        os.environ["DATABASE_URL"] = args.pg_url
        os.environ["KEYSTORE_DATABASE_URL"] = args.pg_keystore_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.plainapp.models import PlainPatient

    call_command("migrate", database="default", verbosity=0)
    call_command("migrate", database="keystore", verbosity=0)
    with connection.schema_editor() as editor:  # the twin has no migrations: it follows Patient
        editor.create_model(PlainPatient)
    return temp


def populate(rows: int, seed: int, progress):
    """One clinic; the same synthetic people (same subject refs) inserted into both models."""
    import uuid

    from django.db import connection

    from bench.plainapp.models import PlainPatient
    from klinika.lifecycle.services import create_clinic
    from klinika.patients.models import Patient
    from klinika.tenancy.context import clinic_context
    from klinika.testdata.synthetic import SyntheticPeople

    clinic = create_clinic("Przychodnia Benchmark", "bench")
    people = SyntheticPeople(seed=seed)
    task = progress.add_task("generating synthetic patients", total=rows)
    data = []
    for _ in range(rows):
        data.append(people.patient())
        progress.advance(task)
    rnd = random.Random(seed)
    for person in data:
        person["subject_ref"] = uuid.UUID(int=rnd.getrandbits(128), version=4)

    timings = {"Patient": 0.0, "PlainPatient": 0.0}
    task = progress.add_task("inserting into both models", total=rows)
    with clinic_context(clinic):
        for start in range(0, rows, 250):
            chunk = range(start, min(start + 250, rows))
            # Interleaved so both tables get the same created_at spread and insertion order.
            t0 = time.perf_counter()
            Patient.objects.bulk_create(
                [Patient(clinic_id=clinic.pk, **data[i]) for i in chunk])
            t1 = time.perf_counter()
            PlainPatient.objects.bulk_create(
                [PlainPatient(clinic_id=clinic.pk, **data[i]) for i in chunk])
            t2 = time.perf_counter()
            timings["Patient"] += t1 - t0
            timings["PlainPatient"] += t2 - t1
            progress.advance(task, len(chunk))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {Patient._meta.db_table}, {PlainPatient._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
    return clinic, data, timings


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class Scenario:
    name: str
    fields: tuple
    only: bool  # .only(fields) (a list view) or whole rows
    first_page: bool = False  # offset 0 instead of a random page

    def offset(self, random_offset: int) -> int:
        return 0 if self.first_page else random_offset


def encrypted_field_names() -> tuple:
    """Every encrypted field of Patient, whether it has its own column or is sealed in a shared one."""
    from klinika.crypto.fields import EncryptedField
    from klinika.crypto.sealed import SealedFields
    from klinika.patients.models import Patient

    return tuple(f.name for f in Patient._meta.fields
                 if isinstance(f, EncryptedField) and not isinstance(f, SealedFields))


def encrypted_columns() -> list:
    """Patient's encrypted columns: a SealedFields holds several fields in one."""
    from klinika.crypto.fields import EncryptedField
    from klinika.patients.models import Patient

    return [f for f in Patient._meta.concrete_fields if isinstance(f, EncryptedField)]


def scenarios() -> list[Scenario]:
    full = encrypted_field_names()
    return [
        Scenario("list6", LIST_FIELDS, only=True),  # the criterion
        Scenario("list6 page 1", LIST_FIELDS, only=True, first_page=True),
        Scenario(f"full{len(full)}", full, only=False),
    ]


def load_page(model, scenario: Scenario, offset: int):
    """One page as a list view renders it: query, build instances, format every value."""
    qs = model.objects.order_by("created_at", "id")
    if scenario.only:
        qs = qs.only(*scenario.fields)
    out = []
    for obj in qs[offset:offset + PAGE]:
        out.append(obj.pk)
        for name in scenario.fields:
            out.append(render(getattr(obj, name)))
    return out


ADDRESS_PARTS = ("street", "building", "apartment", "postal_code", "city", "country")


def render(value) -> str:
    """What a template does with a value: text, a date, an address laid out on one line."""
    if isinstance(value, dict):
        return " ".join(str(value[part]) for part in ADDRESS_PARTS if value.get(part))
    return str(value)


def timed(fn, *args) -> tuple[int, int]:
    """(wall-clock ns, this thread's CPU ns). CPU time does not count the time other
    processes of a busy machine hold the CPU; it does not count the database server's
    work either (none with SQLite, which runs in this thread)."""
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    fn(*args)
    return time.perf_counter_ns() - t0, time.thread_time_ns() - c0


def best(times: list) -> tuple[int, int]:
    return min(t[0] for t in times), min(t[1] for t in times)


def check_pages_match(Patient, PlainPatient, pages):
    """Both models must show the same page, or the comparison would be unfair."""
    for page in (0, pages // 2, pages - 1):
        for scenario in scenarios():
            width = len(scenario.fields) + 1
            encrypted = load_page(Patient, scenario, page * PAGE)
            plain = load_page(PlainPatient, scenario, page * PAGE)
            for i, (a, b) in enumerate(zip(encrypted, plain, strict=True)):
                if i % width and a != b:  # pks differ between the tables; values must not
                    raise SystemExit(f"page {page}: encrypted {a!r} != plaintext {b!r}")


def summarise(enc, plain) -> dict:
    """enc, plain: per-page (wall ns, CPU ns), paired by page."""
    wall = [e[0] / p[0] for e, p in zip(enc, plain, strict=True)]
    cpu = [e[1] / p[1] for e, p in zip(enc, plain, strict=True)]
    enc_wall, plain_wall = [e[0] for e in enc], [p[0] for p in plain]
    return {
        "enc_us": statistics.median(enc_wall) / 1000,
        "plain_us": statistics.median(plain_wall) / 1000,
        "median_ratio": statistics.median(wall),
        "ratio_p25": quantile(wall, 0.25),
        "ratio_p75": quantile(wall, 0.75),
        "ratio_of_medians": statistics.median(enc_wall) / statistics.median(plain_wall),
        "enc_cpu_us": statistics.median(e[1] for e in enc) / 1000,
        "plain_cpu_us": statistics.median(p[1] for p in plain) / 1000,
        "median_cpu_ratio": statistics.median(cpu),
        "samples": len(wall),
    }


def measure_pages(args, progress) -> dict:
    """Encrypted vs plaintext, same page, adjacent in time, alternating which goes first."""
    from bench.plainapp.models import PlainPatient
    from klinika.crypto import keystore
    from klinika.patients.models import Patient

    pages = args.rows // PAGE
    check_pages_match(Patient, PlainPatient, pages)
    rnd = random.Random(args.seed + 1)
    all_scenarios = scenarios()
    samples = {(s.name, c, m): [] for s in all_scenarios for c in ("warm", "cold") for m in (Patient, PlainPatient)}
    for page in range(min(pages, 20)):  # untimed: code paths, statement caches, buffer pool
        for scenario in all_scenarios:
            load_page(Patient, scenario, page * PAGE)
            load_page(PlainPatient, scenario, page * PAGE)
    task = progress.add_task("side-by-side page loads", total=args.repeats)
    gc.collect()
    gc.disable()  # like timeit: no collector pause inside a sample; collected between pages
    try:
        for i in range(args.repeats):
            random_offset = rnd.randrange(pages) * PAGE
            order = (Patient, PlainPatient) if i % 2 == 0 else (PlainPatient, Patient)
            for scenario in all_scenarios:
                offset = scenario.offset(random_offset)
                for model in order:  # untimed: this page's keys and rows are warm
                    load_page(model, scenario, offset)
                for cache in ("warm", "cold"):
                    runs = {Patient: [], PlainPatient: []}
                    for _ in range(args.best_of):
                        for model in order:
                            if cache == "cold" and model is Patient:
                                keystore.forget_cached_keys()
                            runs[model].append(timed(load_page, model, scenario, offset))
                    for model, times in runs.items():
                        samples[(scenario.name, cache, model)].append(best(times))
            gc.collect()
            progress.advance(task)
    finally:
        gc.enable()
    return {
        f"{s.name}/{cache}": summarise(samples[(s.name, cache, Patient)], samples[(s.name, cache, PlainPatient)])
        for s in all_scenarios for cache in ("warm", "cold")
    }


# --------------------------------------------------------------------------- breakdown


def breakdown_variants():
    """Stand-ins for EncryptedField.from_db_value that attribute the encrypted page's cost.

    ciphertext, not decrypted: everything encryption costs except cryptography (wider rows
        read, bytes transported, one converter call per value; the value shown is "-")
    bare AES-GCM + decode: + the AEAD call itself and turning bytes into str/date/JSON, with
        the key from a plain dict and no checks: the floor for one AEAD call per field
    klinika today: the real from_db_value (envelope.decrypt, key cache, clinic check)
    """
    from klinika.crypto import keystore
    from klinika.crypto.fields import EncryptedField
    from klinika.crypto.sealed import SealedFields

    current = EncryptedField.from_db_value
    keys = {}

    def ciphertext_only(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(self, SealedFields):  # every member reads "-"
            return dict.fromkeys((f.attname for f in self.members), "-")
        return "-"  # a short str: rendering costs what a plain value's does

    def bare_aead(self, value, expression, connection):
        if value is None:
            return None
        raw_id = value[1:17]
        key = keys.get(raw_id)
        if key is None:
            key = keys[raw_id] = keystore.key_by_raw_id(raw_id)
        return self.from_bytes(key.aead.decrypt(value[17:29], value[29:], key.aad_prefix + self.aad_suffix))

    return current, {"ciphertext, not decrypted": ciphertext_only, "bare AES-GCM + decode": bare_aead,
                     "klinika today": current}


def measure_breakdown(args, progress) -> dict:
    from bench.plainapp.models import PlainPatient
    from klinika.crypto.fields import EncryptedField
    from klinika.patients.models import Patient

    current, variants = breakdown_variants()
    pages = args.rows // PAGE
    rnd = random.Random(args.seed + 2)
    picked = [s for s in scenarios() if not s.first_page]
    names = ["plaintext", *variants]
    samples = {(s.name, n): [] for s in picked for n in names}
    task = progress.add_task("breakdown (warm keys)", total=args.repeats)
    gc.collect()
    gc.disable()
    try:
        for _ in range(args.repeats):
            offset = rnd.randrange(pages) * PAGE
            for scenario in picked:
                load_page(Patient, scenario, offset)  # untimed: keys and rows warm
                load_page(PlainPatient, scenario, offset)
                runs = {name: [] for name in names}
                for _ in range(args.best_of):
                    rnd.shuffle(names)
                    for name in names:
                        model = PlainPatient if name == "plaintext" else Patient
                        EncryptedField.from_db_value = variants.get(name, current)
                        try:
                            runs[name].append(timed(load_page, model, scenario, offset))
                        finally:
                            EncryptedField.from_db_value = current
                for name, times in runs.items():
                    samples[(scenario.name, name)].append(best(times))
            gc.collect()
            progress.advance(task)
    finally:
        gc.enable()
        EncryptedField.from_db_value = current
    return {
        f"{s.name}/{name}": summarise(samples[(s.name, name)], samples[(s.name, "plaintext")])
        for s in picked for name in variants
    }


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------- micro


class Micro:
    """µs per call of several operations, timed in interleaved rounds.

    Each operation loops over its items for ~10 ms per round; rounds go round-robin over
    all operations so that a slow spell of a shared machine hits them all alike. Reported:
    the best round by this thread's CPU time (what the operation costs, whoever else
    holds the CPU) and by wall clock (timeit's convention).
    """

    def __init__(self, rounds=15, round_seconds=0.01):
        self.rounds, self.round_seconds = rounds, round_seconds
        self.ops = []  # (name, fn, items, loops, per)

    def add(self, name, fn, items, per=1):
        loops = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(loops):
                for item in items:
                    fn(item)
            if time.perf_counter() - t0 >= self.round_seconds or loops >= 1 << 20:
                break
            loops *= 2
        self.ops.append((name, fn, items, loops, per))

    def run(self) -> dict:
        best = {name: [float("inf"), float("inf")] for name, *_ in self.ops}
        gc.disable()
        try:
            for _ in range(self.rounds):
                for name, fn, items, loops, per in self.ops:
                    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
                    for _ in range(loops):
                        for item in items:
                            fn(item)
                    calls = loops * len(items) * per * 1000
                    wall, cpu = (time.perf_counter_ns() - t0) / calls, (time.thread_time_ns() - c0) / calls
                    best[name] = [min(best[name][0], cpu), min(best[name][1], wall)]
        finally:
            gc.enable()
        return {name: {"cpu_us": cpu, "wall_us": wall} for name, (cpu, wall) in best.items()}


def measure_micro(clinic, data):
    """Per-value costs on the page's own ciphertexts and index inputs, keys cached."""
    import hashlib
    import hmac

    from django.db import connection

    from klinika.crypto import blind, envelope, keystore
    from klinika.crypto.fields import NORMALISERS, BlindIndexField
    from klinika.patients.models import Patient

    meta = Patient._meta
    columns = encrypted_columns()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(f.column for f in columns)} FROM {meta.db_table} "
                       f"WHERE clinic_id = %s ORDER BY id LIMIT {PAGE}",
                       [meta.get_field("clinic").target_field.get_db_prep_value(clinic.pk, connection)])
        raw = [[None if v is None else bytes(v) for v in row] for row in cursor.fetchall()]
    blobs = [(row[i], f) for row in raw for i, f in enumerate(columns) if row[i] is not None]
    for blob, field in blobs:  # every key used below is cached
        envelope.decrypt(blob, field.aad_suffix)
    micro = Micro()

    prepared = []
    for blob, field in blobs:
        key = keystore.key_by_raw_id(blob[1:17])
        prepared.append((key.aead, blob[17:29], blob[29:], key.aad_prefix + field.aad_suffix))
    micro.add("AESGCM.decrypt alone (aad precomputed): the floor",
        lambda p: p[0].decrypt(p[1], p[2], p[3]), prepared)
    micro.add("keystore.key_by_raw_id (cached)", lambda b: keystore.key_by_raw_id(b[0][1:17]), blobs)
    micro.add("envelope.decrypt (cached key)", lambda b: envelope.decrypt(b[0], b[1].aad_suffix), blobs)
    for column in columns:
        items = [(b, f) for b, f in blobs if f is column]
        members = getattr(column, "members", ())
        label = f"{len(members)} fields sealed together" if members else "one field"
        micro.add(f"from_db_value, {type(column).__name__} {column.name} ({label})",
            lambda b: b[1].from_db_value(b[0], None, connection), items)

    key = keystore.subject_key(clinic.pk, data[0]["subject_ref"])
    person = Patient(clinic_id=clinic.pk, **data[0])
    plaintexts = [(f.pre_save(person, True), f.aad_suffix) for f in columns]
    plaintexts = [(envelope.decrypt(bytes(blob), suffix), suffix) for blob, suffix in plaintexts if blob]
    micro.add("envelope.encrypt (cached key), per column", lambda p: envelope.encrypt(p[0], key, p[1]), plaintexts)

    indexes = [f for f in meta.concrete_fields if isinstance(f, BlindIndexField)]
    tokens = []
    for person in data[:PAGE]:
        for f in indexes:
            value = person.get(f.source)
            if value:
                tokens.append((f, f.label(), NORMALISERS[f.normaliser](str(value)), value))
    clinic_id = clinic.pk
    index_key = keystore.clinic_key(clinic_id, keystore.Purpose.INDEX).material
    micro.add("hmac.new(key, msg, sha256).digest() alone",
        lambda t: hmac.new(index_key, t[1].encode() + b"|" + t[2].encode(), hashlib.sha256).digest(), tokens)
    micro.add("blind.compute (cached index key) = per blind index",
        lambda t: blind.compute(clinic_id, t[1], t[2]), tokens)
    micro.add("BlindIndexField.token (normalise + compute)", lambda t: t[0].token(clinic_id, t[3]), tokens)

    # Cold: each of a page's subject keys read from the keystore database and unwrapped.
    raw_ids = list(dict.fromkeys(blob[1:17] for blob, _ in blobs))

    def cold_keys(_):
        keystore.forget_cached_keys()
        for raw_id in raw_ids:
            keystore.key_by_raw_id(raw_id)

    micro.add("cold key: keystore read + unwrap, per key (CPU: PostgreSQL's share not counted)", cold_keys, [None],
              per=len(raw_ids))
    return micro.run()


# --------------------------------------------------------------------------- profile


def profile(args, out_dir: Path) -> dict:
    """cProfile of every page, warm keys, both models; .prof files go to bench/out/."""
    from bench.plainapp.models import PlainPatient
    from klinika.patients.models import Patient

    out_dir.mkdir(parents=True, exist_ok=True)
    pages = args.rows // PAGE
    reports = {}
    for scenario in scenarios():
        if scenario.first_page:
            continue
        for label, model in (("encrypted", Patient), ("plaintext", PlainPatient)):
            for page in range(pages):
                load_page(model, scenario, page * PAGE)
            profiler = cProfile.Profile()
            profiler.enable()
            for page in range(pages):
                load_page(model, scenario, page * PAGE)
            profiler.disable()
            profiler.dump_stats(out_dir / f"page-{args.db}-{scenario.name}-{label}.prof")
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("tottime").print_stats(15)
            reports[f"{scenario.name} {label}"] = stream.getvalue()
    return reports


# --------------------------------------------------------------------------- main


def versions() -> dict:
    import platform
    import sqlite3

    import cryptography
    import django
    from django.db import connection

    import klinika

    found = {
        "klinika": str(Path(klinika.__file__).parent),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cryptography": cryptography.__version__,
        "database": connection.vendor,
        "load average (1 min)": os.getloadavg()[0],
    }
    if connection.vendor == "sqlite":
        found["sqlite"] = sqlite3.sqlite_version
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            found["postgresql"] = cursor.fetchone()[0]
    return found


def ratio_table(title, results, rows, limit_column=True):
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    headers = [*rows, "encrypted µs", "plaintext µs", "ratio", "IQR of ratio", "ratio of medians", "CPU ratio"]
    if limit_column:
        headers.append(f"≤ {LIMIT}")
    for header in headers:
        table.add_column(header, justify="left" if header in rows else "right")
    for key, r in results.items():
        cells = [*key.split("/"), f"{r['enc_us']:.0f}", f"{r['plain_us']:.0f}", f"{r['median_ratio']:.2f}",
                 f"{r['ratio_p25']:.2f}–{r['ratio_p75']:.2f}", f"{r['ratio_of_medians']:.2f}",
                 f"{r['median_cpu_ratio']:.2f}"]
        if limit_column:
            cells.append("[green]yes[/]" if r["median_ratio"] <= LIMIT else "[red]no[/]")
        table.add_row(*cells)
    return table


def main():
    args = parse_args()
    if args.rows < PAGE * 4:
        raise SystemExit(f"--rows must be at least {PAGE * 4}")
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    console = Console(width=max(110, Console().width))
    temp = configure(args)
    try:
        from klinika.tenancy.context import clinic_context

        started = datetime.datetime.now(datetime.timezone.utc)
        load_before = os.getloadavg()[0]
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            clinic, data, insert_seconds = populate(args.rows, args.seed, progress)
            with clinic_context(clinic):
                pages = measure_pages(args, progress)
                breakdown = measure_breakdown(args, progress) if args.breakdown else None
                micro = measure_micro(clinic, data)
        found = versions()
        console.print(f"[bold]klinika encrypted page bench[/]: {found['database']} "
                      f"{found.get('sqlite') or found.get('postgresql')}, {args.rows} patients in each model, "
                      f"pages of {PAGE}, {args.repeats} random pages, Python {found['python']}, "
                      f"Django {found['django']}, cryptography {found['cryptography']}; load average "
                      f"{load_before:.1f} before, {found['load average (1 min)']:.1f} after (nproc {os.cpu_count()})")
        console.print(f"klinika from {found['klinika']}")
        console.print(ratio_table("Page load: encrypted Patient vs plaintext twin (median µs; ratio = median of "
                                  "per-page ratios)", pages, ("scenario", "keys")))
        list_warm = pages["list6/warm"]
        shown = PAGE * len(LIST_FIELDS)
        field_us = (list_warm["enc_us"] - list_warm["plain_us"]) / shown
        field_cpu_us = (list_warm["enc_cpu_us"] - list_warm["plain_cpu_us"]) / shown
        console.print(f"list6 warm: the encrypted page costs {field_us:.2f} µs more per field shown "
                      f"(wall clock; {field_cpu_us:.2f} µs of CPU time)")
        if breakdown:
            console.print(ratio_table("Where the encrypted page's time goes (warm keys; each row vs the plaintext "
                                      "twin on the same page)", breakdown, ("scenario", "from_db_value"),
                                      limit_column=False))

        micro_table = Table(title="Per-value costs (µs per call, best of 15 interleaved rounds)",
                            title_justify="left")
        micro_table.add_column("operation")
        micro_table.add_column("µs CPU", justify="right")
        micro_table.add_column("µs wall", justify="right")
        for name, us in micro.items():
            micro_table.add_row(name, f"{us['cpu_us']:.2f}", f"{us['wall_us']:.2f}")
        console.print(micro_table)
        console.print(f"set-up, bulk insert of {args.rows} rows: encrypted {insert_seconds['Patient']:.2f} s "
                      f"(including {args.rows} new subject keys), plaintext {insert_seconds['PlainPatient']:.2f} s")

        verdict = list_warm["median_ratio"]
        passed = verdict <= LIMIT
        cpu_passed = list_warm["median_cpu_ratio"] <= LIMIT
        console.print(f"[bold {'green' if passed else 'red'}]{'PASS' if passed else 'FAIL'}[/] "
                      f"list6 warm: {verdict:.2f}x the plaintext page ({'≤' if passed else '>'} {LIMIT}), wall clock; "
                      f"CPU time {list_warm['median_cpu_ratio']:.2f}x ({'≤' if cpu_passed else '>'} {LIMIT})")

        result = {"started": started.isoformat(timespec="seconds"), "versions": found,
                  "args": {k: str(v) for k, v in vars(args).items() if not k.startswith("pg_")},
                  "pages": pages, "breakdown": breakdown, "micro_us": micro, "field_us_list6_warm": field_us,
                  "field_cpu_us_list6_warm": field_cpu_us,
                  "insert_seconds": insert_seconds, "limit": LIMIT, "pass": passed}
        if args.profile:
            with clinic_context(clinic):
                reports = profile(args, BENCH_DIR / "out")
            for name, text in reports.items():
                console.rule(f"cProfile: {name}, {args.rows // PAGE} pages, by own time")
                console.print(text, markup=False, highlight=False)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(result, indent=2, default=str))
        return 0 if passed else 1
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
