"""`klinika synth` end to end: a whole generated clinic into the encrypted database, against the same
clinic through the same path with the encryption taken out (issue 9).

    python bench/synth_clinic.py [--db sqlite|postgres] [--patients 10000] [--years 2.5] [--seed 1]
                                 [--json FILE]

Each side runs in a fresh process on a fresh database (SQLite files in a temp dir, or the PostgreSQL
databases `klinika_bench` and `klinika_bench_keystore`, dropped and re-created) and calls
`klinika.testdata.synth_clinic.build_clinic` with the same arguments, so both store the same
generated rows (same seed, same reference date) through the same bulk import services: the desk's
validation, chunked transactions, the audit chain, the database's constraints, the overlap check.

- encrypted: as shipped: a subject key per patient created and wrapped in the keystore, every
  personal field sealed with AES-256-GCM under it, HMAC blind indexes;
- plain: the same process with the crypto layer swapped for pass-through functions before the
  clinic is built: `envelope.encrypt` stores the plaintext bytes, `envelope.decrypt` returns them,
  a blind index stores its normalised value (what a plaintext column holds), and subject keys are
  neither created nor loaded (nor preloaded for the rows a query returns). Nothing else
  changes, so the difference is what encryption costs.

Printed: wall time and records per second of each side, the ratio plain time / encrypted time
(encrypted speed relative to plain; target at least 0.5), and each side's peak resident memory
(ru_maxrss of its process), which with --patients at two sizes shows whether memory stays flat.
"""
import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "src")]

TODAY = datetime.date(2026, 11, 30)  # both sides build the same clinic


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=2.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--side", choices=["encrypted", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


def without_encryption():
    """Swap the crypto layer for pass-through functions in this process (the plain side only)."""
    from klinika.crypto import blind, envelope, keystore

    envelope.write_key = lambda clinic_id, subject_ref: None
    envelope.encrypt = lambda plaintext, key, suffix: b"\x01" + plaintext
    envelope.decrypt = lambda blob, suffix: bytes(blob[1:])
    blind.compute = lambda clinic_id, label, normalised: normalised.encode()
    blind.compute_all = lambda clinic_id, label, normalised: [normalised.encode()]
    for name in ("create_subject_keys", "load_subject_keys", "forget_subject_keys", "preload"):
        setattr(keystore, name, lambda *args, **kwargs: None)


def run_side(args) -> dict:
    from bench.encrypted_page import PG_DEFAULT, PG_KEYSTORE_DEFAULT, configure

    args.pg_url = os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT)
    args.pg_keystore_url = os.environ.get("BENCH_KEYSTORE_DATABASE_URL", PG_KEYSTORE_DEFAULT)
    configure(args)
    if args.side == "plain":
        without_encryption()
    from klinika.testdata.synth_clinic import build_clinic

    started = time.perf_counter()
    report = build_clinic("Przychodnia Benchmark Syntezy", patients=args.patients, years=args.years,
                          seed=args.seed, slug="bench-synth", today=TODAY)
    seconds = time.perf_counter() - started
    records = report.practitioners + report.patients + report.appointments + report.encounters
    return {"side": args.side, "seconds": round(seconds, 2), "records": records,
            "patients": report.patients, "appointments": report.appointments, "encounters": report.encounters,
            "practitioners": report.practitioners, "records_per_s": round(records / seconds),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main():
    args = parse_args()
    if args.side:
        print(json.dumps(run_side(args)))
        return
    results = {}
    for side in ("encrypted", "plain"):
        command = [sys.executable, __file__, "--side", side, "--db", args.db, "--patients", str(args.patients),
                   "--years", str(args.years), "--seed", str(args.seed)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            sys.exit(f"the {side} side failed:\n{done.stderr[-3000:]}")
        results[side] = json.loads(done.stdout.strip().splitlines()[-1])
    enc, plain = results["encrypted"], results["plain"]
    if (enc["patients"], enc["appointments"], enc["encounters"]) != (
            plain["patients"], plain["appointments"], plain["encounters"]):
        sys.exit(f"the two sides built different clinics: {enc} vs {plain}")
    ratio = plain["seconds"] / enc["seconds"]
    print(f"synth clinic on {args.db}: {enc['patients']:,} patients, {enc['appointments']:,} appointments, "
          f"{enc['encounters']:,} signed visits, {enc['practitioners']} practitioners (seed {args.seed})")
    for row in (enc, plain):
        print(f"  {row['side']:<9} {row['seconds']:8.1f} s  {row['records_per_s']:8,} records/s  "
              f"peak RSS {row['peak_rss_mb']:.0f} MB")
    verdict = "PASS" if ratio >= 0.5 else "FAIL"
    print(f"  encrypted speed / plain speed: {ratio:.2f}x  (target >= 0.5x: {verdict})")
    if args.json:
        args.json.write_text(json.dumps({"db": args.db, "years": args.years, "seed": args.seed,
                                         "python": platform.python_version(), "machine": platform.machine(),
                                         "cpus": os.cpu_count(), "ratio": round(ratio, 3), **results}, indent=2))


if __name__ == "__main__":
    main()
