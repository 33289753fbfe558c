"""Crypto-shred time against clinic size, and against deleting the same clinic's rows (issue 10).

    python bench/crypto_shred.py [--sizes 1000,10000] [--years 0.25] [--seed 1] [--json FILE]

For each size one synthetic clinic is generated (`klinika.testdata.synth_clinic.build_clinic`: staff,
patients each with their own subject key, appointments, signed visits, e-documents; `--years` of
history, short by default so that 100k patients generate in minutes) into SQLite files in a temp
dir, once. Its data directory is then copied three times and each measurement runs in a fresh
process on its own copy, so none sees another's cached keys or freed pages:

- shred: `lifecycle.services.shred_clinic(sweep=False)` as the termination runs it: audit event and
  checkpoint, the KEK and the clinic keys destroyed in one keystore transaction, the revocation
  counter bumped, freed pages scrubbed (WAL checkpoint). The per-person keys are unreadable from
  then on (their KEK is gone); their rows are wiped with the row removal (next item);
- kek: only the KEK destroyed (+ the revocation bump): the moment from which nothing of the clinic
  can be unwrapped any more, for comparison;
- delete: the clinic's rows removed from the live database as the termination's next step does
  (`lifecycle.termination.services.removal.remove_rows`, chunks of 1,000, every clinic table, after
  wiping the per-person keys' rows); the KEK is destroyed first, untimed.

Printed per size: generation time, the three times, and shred/delete; then shred(largest)/shred(smallest)
and delete(largest)/delete(smallest), the "cost independent of size" ratios (target near 1 for the shred).
"""
import argparse
import base64
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 30)
SLUG = "bench-shred"


def child_env(data_dir: Path, root_key: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KEYSTORE_DATABASE_URL",
                                                             "KLINIKA_ROOT_KEY_FILE")}
    env.update(KLINIKA_DATA_DIR=str(data_dir), KLINIKA_ROOT_KEY=root_key, DJANGO_SETTINGS_MODULE="klinika.settings",
               PYTHONPATH=os.environ.get("PYTHONPATH", str(REPO / "src")))
    return env


def run_child(part: str, data_dir: Path, root_key: str, args) -> dict:
    command = [sys.executable, __file__, "--part", part, "--patients", str(args.patients_one),
               "--years", str(args.years), "--seed", str(args.seed)]
    done = subprocess.run(command, env=child_env(data_dir, root_key), capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{part} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def part_main(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from klinika.tenancy.models import Clinic

    if args.part == "generate":
        call_command("migrate", database="default", verbosity=0)
        call_command("migrate", database="keystore", verbosity=0)
        from klinika.testdata.synth_clinic import build_clinic

        started = time.perf_counter()
        report = build_clinic("Przychodnia Benchmark Shred", patients=args.patients_one, years=args.years,
                              seed=args.seed, slug=SLUG, today=TODAY)
        seconds = time.perf_counter() - started
        from klinika.crypto.models import DataKey

        keys = DataKey.objects.using("keystore").filter(clinic_id=report.clinic.pk).count()
        return {"generate_s": round(seconds, 1), "patients": report.patients, "appointments": report.appointments,
                "encounters": report.encounters, "keys": keys}
    clinic = Clinic.objects.get(slug=SLUG)
    if args.part == "shred":
        from klinika.lifecycle.services import shred_clinic

        started = time.perf_counter()
        destroyed = shred_clinic(clinic, reason="bench", sweep=False)
        return {"shred_s": round(time.perf_counter() - started, 4), "keys_destroyed": destroyed}
    if args.part == "kek":
        from django.db import transaction
        from django.utils import timezone

        from klinika.crypto import keystore
        from klinika.crypto.models import KeyEncryptionKey, KeyState

        started = time.perf_counter()
        with transaction.atomic(using="keystore"):
            KeyEncryptionKey.objects.using("keystore").filter(clinic_id=clinic.pk).update(
                state=KeyState.DESTROYED, wrapped=None, destroyed_at=timezone.now())
            keystore.bump_revocations()
        keystore.forget_cached_keys()
        return {"kek_s": round(time.perf_counter() - started, 4)}
    from django.db import transaction
    from django.utils import timezone

    from klinika.crypto import keystore
    from klinika.crypto.models import KeyEncryptionKey, KeyState
    from klinika.lifecycle.termination import services
    from klinika.lifecycle.termination.services import removal

    termination = services.give_notice(clinic, reason="bench", by="bench")
    with transaction.atomic():  # what the shred leaves: a terminated clinic (its signed visits may go)
        Clinic.objects.filter(pk=clinic.pk).update(status=Clinic.Status.TERMINATED)
    with transaction.atomic(using="keystore"):  # ... and a dead KEK (the per-person keys are swept here)
        KeyEncryptionKey.objects.using("keystore").filter(clinic_id=clinic.pk).update(
            state=KeyState.DESTROYED, wrapped=None, destroyed_at=timezone.now())
    keystore.forget_cached_keys()
    started = time.perf_counter()
    removed = removal.remove_rows(termination)
    return {"delete_s": round(time.perf_counter() - started, 3), "rows": sum(removed.values())}


def measure(size: int, args, base: Path) -> dict:
    args.patients_one = size
    root_key = base64.b64encode(os.urandom(32)).decode()
    generated = base / f"gen-{size}"
    result = {"size": size, **run_child("generate", generated, root_key, args)}
    for part in ("shred", "kek", "delete"):
        copy = base / f"{part}-{size}"
        shutil.copytree(generated, copy)
        result.update(run_child(part, copy, root_key, args))
        shutil.rmtree(copy)
    shutil.rmtree(generated)
    result["shred_over_delete"] = round(result["shred_s"] / result["delete_s"], 4)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--years", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--patients", dest="patients_one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        print(json.dumps(part_main(args)))
        return
    base = Path(tempfile.mkdtemp(prefix="klinika-bench-shred-"))
    rows = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            row = measure(size, args, base)
            rows.append(row)
            print(f"{row['size']:>7,} patients: generated in {row['generate_s']:.0f} s ({row['appointments']:,} "
                  f"appointments, {row['encounters']:,} visits, {row['keys']:,} keys); shred {row['shred_s']:.3f} s "
                  f"({row['keys_destroyed']:,} keys), KEK only {row['kek_s']:.4f} s, delete {row['delete_s']:.2f} s "
                  f"({row['rows']:,} rows); shred/delete {row['shred_over_delete']:.3f}", flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        print(f"{large['size']:,} vs {small['size']:,} patients: shred {large['shred_s'] / small['shred_s']:.2f}x, "
              f"KEK only {large['kek_s'] / small['kek_s']:.2f}x, delete {large['delete_s'] / small['delete_s']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"python": platform.python_version(), "cpus": os.cpu_count(),
                                         "years": args.years, "seed": args.seed, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
