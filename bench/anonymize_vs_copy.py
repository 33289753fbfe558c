"""`klinika anonymize --clinic` against a plain copy of the same clinic through the same export/import
path (issue 9: "time as a ratio to a plain copy ... at most 1.5x").

    python bench/anonymize_vs_copy.py [--db sqlite|postgres] [--patients 5000] [--years 2] [--seed 1]
                                      [--repeats 1] [--k 5] [--profile] [--json FILE]

One synthetic clinic is built once (`klinika.testdata.synth_clinic.build_clinic`, not timed) into a
source database. Then each side runs in a fresh child process on its own copy of that database
(SQLite: the data directory copied; PostgreSQL: `CREATE DATABASE ... TEMPLATE` of the source), with
the same root key, and does two timed phases:

1. export + write (the production part): the clinic read under its context (klinika.testdata.export.
   ClinicExport: subject keys per chunk of patients, fields decrypted) and written through the same
   dataset writer (NDJSON lines, AES-256-GCM chunks under a fresh environment key, Ed25519-signed
   manifest; the signer is a local Ed25519 key, as in the tests' factory_and_recipient):
   - copy: `export.copy_clinic_dataset`, the records as they are (origin "copy");
   - anonymize: `export.anonymize_clinic(k=5)`, pseudonyms, date shifts, generalised addresses,
     scrubbed free text, k-anonymity, and the scanner over every record before signing.
2. read + import (the test environment part): the dataset opened as a test environment does
   (`container.open_dataset` with the signer's public key, the environment key unwrapped with the
   recipient's private key, every chunk decrypted once as `testenv load` checks it), a fresh clinic
   created, and every content file's records read back and stored with
   `klinika.testdata.datasets.importer.import_records` (the bulk import services: encryption, blind
   indexes, audit, constraints). The anonymized side's importer also completes generalised
   addresses and moves visits off the overlaps the date shifts made; the copy needs neither.

Printed: both phases of both sides, and anonymize/copy for (a) the production part alone and (b)
end to end (export -> dataset -> import), each with PASS/FAIL against 1.5x. The issue's wording
("through the same export/import path") is the end-to-end ratio (b); (a) shows the anonymizer's
own cost against the export it shares with the copy. Also each side's peak RSS (ru_maxrss of its
process, after export and at the end) and, from the progress callbacks, when each step finished.

Why child processes on database copies rather than both sides in one process: each side starts
with the same cold key cache and the same database (an import into the source database would
make the second side's database bigger than the first's), and ru_maxrss is per process, so each
side's peak memory is its own. With --repeats N the order alternates (copy first on odd repeats,
anonymize first on even ones) and the median of each phase is used.

Runs outside production (KLINIKA_ENV=dev: a plain copy is refused in production). With --db
postgres the databases `klinika_bench_anon`, `klinika_bench_anon_keystore` (source) and
`klinika_bench_anon_side`, `klinika_bench_anon_side_keystore` (each side's copy) are dropped and
re-created; `--pg-url`/`--pg-keystore-url` (or BENCH_ANON_DATABASE_URL/BENCH_ANON_KEYSTORE_DATABASE_URL)
name the source ones, the side ones get "_side" added. --profile writes each side's cProfile to
bench/out/.
"""
import argparse
import base64
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# PYTHONPATH, when set, names the klinika to measure (e.g. a snapshot of main); else this tree's src/.
sys.path[:0] = [str(REPO)] + ([] if os.environ.get("PYTHONPATH") else [str(REPO / "src")])

_LOCAL = "postgres://klinika:klinika@127.0.0.1:5432"  # pragma: allowlist secret (the local bench server)
PG_DEFAULT = f"{_LOCAL}/klinika_bench_anon"
PG_KEYSTORE_DEFAULT = f"{_LOCAL}/klinika_bench_anon_keystore"
SIDES = ("copy", "anonymize")
TARGET = 1.5
SLUG = "bench-anon"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--years", type=float, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_ANON_DATABASE_URL", PG_DEFAULT))
    parser.add_argument("--pg-keystore-url",
                        default=os.environ.get("BENCH_ANON_KEYSTORE_DATABASE_URL", PG_KEYSTORE_DEFAULT))
    parser.add_argument("--profile", action="store_true", help="cProfile each side into bench/out/")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--role", choices=["build", *SIDES], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def side_url(url: str) -> str:
    base, _, name = url.rpartition("/")
    stem, sep, keystore = name.partition("_keystore")
    return f"{base}/{stem}_side{sep}{keystore}"


# ---------------------------------------------------------------------------- the parent

def pg_admin(url: str, *statements: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    conninfo = psycopg.conninfo.make_conninfo(host=cfg["HOST"] or None, port=cfg["PORT"] or None,
                                              user=cfg["USER"] or None, password=cfg["PASSWORD"] or None,
                                              dbname="postgres")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def db_name(url: str) -> str:
    import dj_database_url

    name = dj_database_url.parse(url)["NAME"]
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: bench databases must have 'bench' in their name")
    return name


def fresh_copy(source_url: str, copy_url: str) -> None:
    """The side's database: a file-level copy of the source (the source has no connections now)."""
    source, copy = db_name(source_url), db_name(copy_url)
    pg_admin(copy_url, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
             f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')


def drop(url: str) -> None:
    pg_admin(url, f'DROP DATABASE IF EXISTS "{db_name(url)}" WITH (FORCE)')


def child(args, role: str, data_dir: Path, env: dict) -> dict:
    command = [sys.executable, __file__, "--role", role, "--data-dir", str(data_dir), "--db", args.db,
               "--patients", str(args.patients), "--years", str(args.years), "--seed", str(args.seed),
               "--k", str(args.k), "--pg-url", args.pg_url, "--pg-keystore-url", args.pg_keystore_url]
    if args.profile:
        command.append("--profile")
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode:
        sys.exit(f"the {role} step failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main():
    args = parse_args()
    if args.role:
        print(json.dumps(run_role(args)))
        return
    work = Path(tempfile.mkdtemp(prefix="klinika-bench-anon-"))
    env = {**os.environ, "KLINIKA_ROOT_KEY": base64.b64encode(os.urandom(32)).decode(), "KLINIKA_ENV": "dev"}
    env.pop("KLINIKA_DEBUG", None)
    try:
        if args.db == "postgres":
            for url in (args.pg_url, args.pg_keystore_url):
                drop(url)
                pg_admin(url, f'CREATE DATABASE "{db_name(url)}"')
        print(f"building the clinic ({args.patients:,} patients, {args.years} years, seed {args.seed}) ...",
              flush=True)
        built = child(args, "build", work / "source", env)
        print(f"  klinika from {built['klinika']}; built in {built['seconds']:.0f} s: {built['patients']:,} patients, "
              f"{built['appointments']:,} appointments, {built['encounters']:,} signed visits, "
              f"{built['practitioners']} practitioners",
              flush=True)
        runs = {side: [] for side in SIDES}
        for repeat in range(args.repeats):
            for side in (SIDES if repeat % 2 == 0 else SIDES[::-1]):
                side_dir = work / side
                shutil.copytree(work / "source", side_dir)
                if args.db == "postgres":
                    fresh_copy(args.pg_url, side_url(args.pg_url))
                    fresh_copy(args.pg_keystore_url, side_url(args.pg_keystore_url))
                result = child(args, side, side_dir, env)
                shutil.rmtree(side_dir, ignore_errors=True)
                runs[side].append(result)
                print(f"  repeat {repeat + 1} {side:<9}  export+write {result['export_s']:7.1f} s   "
                      f"read+import {result['import_s']:7.1f} s   peak RSS {result['peak_rss_mb']:.0f} MB",
                      flush=True)
        report(args, built, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.db == "postgres":
            for url in (args.pg_url, args.pg_keystore_url):
                drop(side_url(url))


def report(args, built: dict, runs: dict) -> None:
    summary = {}
    for side in SIDES:
        export_s, import_s = median(runs[side], "export_s"), median(runs[side], "import_s")
        summary[side] = {"export_s": round(export_s, 2), "import_s": round(import_s, 2),
                         "total_s": round(export_s + import_s, 2),
                         "peak_rss_mb": max(run["peak_rss_mb"] for run in runs[side]),
                         "export_rss_mb": max(run["export_rss_mb"] for run in runs[side]),
                         "dataset_mb": runs[side][-1]["dataset_mb"]}
    copy, anon = summary["copy"], summary["anonymize"]
    production = anon["export_s"] / copy["export_s"]
    end_to_end = anon["total_s"] / copy["total_s"]
    print(f"\nanonymize vs plain copy on {args.db}: {built['patients']:,} patients, {built['appointments']:,} "
          f"appointments, {built['encounters']:,} signed visits (seed {args.seed}, k={args.k}, "
          f"median of {args.repeats})")
    print(f"  {'':<10} {'export+write':>13} {'read+import':>12} {'end to end':>11} {'dataset':>9} "
          f"{'RSS export':>11} {'RSS peak':>9}")
    for side in SIDES:
        row = summary[side]
        print(f"  {side:<10} {row['export_s']:11.1f} s {row['import_s']:10.1f} s {row['total_s']:9.1f} s "
              f"{row['dataset_mb']:6.1f} MB {row['export_rss_mb']:8.0f} MB {row['peak_rss_mb']:6.0f} MB")
    importer = anon["import_s"] / copy["import_s"]
    print(f"  {'ratio':<10} {production:12.2f}x {importer:11.2f}x {end_to_end:10.2f}x")
    for label, ratio in (("(a) production part (export+write)", production),
                         ("(b) end to end, the issue's criterion", end_to_end)):
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        print(f"  anonymize / copy, {label}: {ratio:.2f}x  (target <= {TARGET}x: {verdict})")
    last = runs["anonymize"][-1]
    print(f"  anonymized: k achieved {last['k_achieved']}, imported {last['imported']}; "
          f"copy imported {runs['copy'][-1]['imported']}")
    for side in SIDES:
        steps = ", ".join(f"{step} {t:.1f}" for step, t in runs[side][-1]["export_steps"].items())
        print(f"  {side} export steps finished at (s): {steps}")
        steps = ", ".join(f"{step} {t:.1f}" for step, t in runs[side][-1]["import_steps"].items())
        print(f"  {side} import steps finished at (s): {steps}")
    if args.json:
        args.json.write_text(json.dumps({
            "db": args.db, "patients": args.patients, "years": args.years, "seed": args.seed, "k": args.k,
            "repeats": args.repeats, "python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "clinic": built, "summary": summary,
            "ratio_production": round(production, 3), "ratio_end_to_end": round(end_to_end, 3),
            "ratio_import": round(importer, 3), "runs": runs}, indent=2))


# ---------------------------------------------------------------------------- the children

def setup_django(args) -> None:
    os.environ["KLINIKA_DATA_DIR"] = str(args.data_dir)
    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("KEYSTORE_DATABASE_URL", None)
    else:
        side = args.role != "build"
        os.environ["DATABASE_URL"] = side_url(args.pg_url) if side else args.pg_url
        os.environ["KEYSTORE_DATABASE_URL"] = side_url(args.pg_keystore_url) if side else args.pg_keystore_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_role(args) -> dict:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args)
    if args.role == "build":
        return build(args)
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            return run_side(args)
        finally:
            profiler.disable()
            out = REPO / "bench" / "out"
            out.mkdir(exist_ok=True)
            profiler.dump_stats(out / f"anonymize_vs_copy-{args.db}-{args.patients}-{args.role}.prof")
    return run_side(args)


def build(args) -> dict:
    from django.core.management import call_command

    from klinika.testdata.synth_clinic import build_clinic

    call_command("migrate", database="default", verbosity=0)
    call_command("migrate", database="keystore", verbosity=0)
    started = time.perf_counter()
    built = build_clinic("Przychodnia Benchmark Anonimizacji", slug=SLUG, patients=args.patients,
                         years=args.years, seed=args.seed)
    import klinika

    return {"seconds": round(time.perf_counter() - started, 2), "klinika": str(Path(klinika.__file__).parent),
            "patients": built.patients,
            "appointments": built.appointments, "encounters": built.encounters,
            "practitioners": built.practitioners, "peak_rss_mb": rss_mb()}


class Steps:
    """When each progress step last ticked, in seconds from the phase's start."""

    def __init__(self):
        self.started, self.last = time.perf_counter(), {}

    def __call__(self, step, done, total):
        self.last[step] = round(time.perf_counter() - self.started, 2)


def run_side(args) -> dict:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from klinika.lifecycle.services import create_clinic
    from klinika.tenancy.models import Clinic
    from klinika.testdata.datasets.container import Signer, open_dataset
    from klinika.testdata.datasets.importer import import_records
    from klinika.testdata.export import anonymize_clinic, copy_clinic_dataset

    clinic = Clinic.objects.get(slug=SLUG)
    # A stand-in data factory and the test environment's one-time recipient key.
    signer, recipient = Signer(Ed25519PrivateKey.generate(), os.urandom(32).hex()), X25519PrivateKey.generate()
    out = args.data_dir / "dataset"
    public = recipient.public_key().public_bytes_raw()

    steps = Steps()
    if args.role == "copy":
        copy_clinic_dataset(clinic, out, recipient=public, signer=signer, progress=steps)
        k_achieved = None
    else:
        result = anonymize_clinic(clinic, out, recipient=public, signer=signer, k=args.k, progress=steps)
        k_achieved = result["k_anonymity"].get("k_achieved")
    export_s = time.perf_counter() - steps.started
    export_rss, export_steps = rss_mb(), steps.last
    dataset_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20

    steps = Steps()
    dataset = open_dataset(out, [signer.private_key.public_key().public_bytes_raw()],
                           datetime.datetime.now(datetime.UTC))
    try:
        key = dataset.unwrap_key(recipient.private_bytes_raw())
        dataset.check_decrypts(key)  # as testenv load does, before anything is written
        steps("verified", 0, 0)
        target = create_clinic(f"Zbiór {args.role}", f"bench-anon-{args.role}")
        imported = import_records(target, lambda name: dataset.records(name, key), names=dataset.names(),
                                  totals=dataset.manifest.get("counts"), progress=steps)
    finally:
        dataset.close()
    import_s = time.perf_counter() - steps.started
    return {"side": args.role, "export_s": round(export_s, 2), "import_s": round(import_s, 2),
            "export_rss_mb": export_rss, "peak_rss_mb": rss_mb(), "dataset_mb": round(dataset_mb, 1),
            "k_achieved": k_achieved, "imported": imported.counts, "moved": imported.moved,
            "addresses_made_up": imported.addresses_made_up, "left_out": imported.left_out,
            "export_steps": export_steps, "import_steps": steps.last}


if __name__ == "__main__":
    main()
