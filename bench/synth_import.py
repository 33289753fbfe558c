"""Bulk import of generated patients: encrypted end to end against the same rows stored unencrypted (issue 9).

    python bench/synth_import.py [--db sqlite|postgres] [--patients 20000] [--seed 1] [--json FILE]

Both sides take the same generated rows (klinika.testdata.synth, generated once beforehand and
timed apart) and the same path: chunks of 1,000, one transaction each, every row through the
registration desk's clean_patient_data, bulk_create, one CREATE audit event per patient appended
in one write per chunk (the keyed hash chain).

- encrypted: `patients.services.bulk.import_patients` into `Patient`: a subject key per patient
  (created in bulk, wrapped under the clinic KEK), the personal fields sealed under it, five blind
  indexes, the identifier history rows, the one-PESEL check against the blind index;
- plaintext: the same rows cleaned the same way (a ward's guardian looked up by pk, as the
  encrypted side does) and bulk-inserted into the plaintext twin of `Patient` (bench/plainapp:
  plain columns, the blind indexes replaced by indexes on the plain columns), no keys, no
  identifier rows, no PESEL check.

The ratio is plaintext time / encrypted time (the encrypted import's speed relative to the plain
one); target at least 0.5. The encrypted side runs first (the plaintext side resolves each ward's
guardian through the rows it stored). With `--db postgres` the databases `klinika_bench` and
`klinika_bench_keystore` are dropped and re-created (see bench/README.md).
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "src")]

from bench.encrypted_page import PG_DEFAULT, PG_KEYSTORE_DEFAULT, configure  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT))
    parser.add_argument("--pg-keystore-url", default=os.environ.get("BENCH_KEYSTORE_DATABASE_URL", PG_KEYSTORE_DEFAULT))
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


def plain_import(clinic, rows, guardians, actor, chunk_size=1000):
    """The bulk path without encryption: clean every row, bulk_create into the twin, audit per chunk."""
    from django.db import transaction
    from django.utils import timezone

    from bench.plainapp.models import PlainPatient
    from klinika.audit.models import Action
    from klinika.audit.services import record_many
    from klinika.bulk import IMPORTED, chunks
    from klinika.patients.cleaning import clean_patient_data

    today, now, ids = timezone.localdate(), timezone.now(), {}
    for chunk in chunks(rows, chunk_size):
        with transaction.atomic():
            twins = []
            # Adults first, then wards: a guardian is stored before the ward that names it (as the real path does).
            for wave in ([r for r in chunk if r["guardian"] is None], [r for r in chunk if r["guardian"] is not None]):
                stored = []
                for row in wave:
                    data = dict(row)
                    if row["guardian"] is not None:
                        data["guardian_id"] = guardians[row["guardian"]]
                    values = clean_patient_data(data, today=today)
                    values["guardian_id"] = ids[row["guardian"]] if row["guardian"] is not None else None
                    del values["guardian"]
                    stored.append(PlainPatient(clinic=clinic, consent_updated_at=now, **values))
                PlainPatient.objects.bulk_create(stored)
                ids.update((row["id"], t.pk) for row, t in zip(wave, stored, strict=True))
                twins += stored
            record_many(Action.CREATE, [("plain-patient", t.pk, None) for t in twins], reason=IMPORTED,
                        clinic_id=clinic.id, actor=actor)


def main():
    args = parse_args()
    configure(args)
    from klinika.audit.context import Actor
    from klinika.lifecycle.services import create_clinic
    from klinika.patients.services.bulk import import_patients
    from klinika.tenancy.context import clinic_context
    from klinika.testdata.synth import generate_patients

    actor = Actor(None, "bench")
    started = time.perf_counter()
    rows = [row for batch in generate_patients(args.patients, seed=args.seed) for row in batch.rows()]
    generated = time.perf_counter() - started
    clinic = create_clinic("Przychodnia Benchmark Importu", "bench-import")

    started = time.perf_counter()
    result = import_patients(clinic, rows, actor=actor)
    encrypted = time.perf_counter() - started

    started = time.perf_counter()
    with clinic_context(clinic):
        plain_import(clinic, rows, result.ids, actor)
    plain = time.perf_counter() - started

    n = len(rows)
    report = {
        "db": args.db, "patients": n, "seed": args.seed, "python": platform.python_version(),
        "generation_s": round(generated, 2), "generated_per_s": round(n / generated),
        "encrypted_s": round(encrypted, 2), "encrypted_per_s": round(n / encrypted),
        "plain_s": round(plain, 2), "plain_per_s": round(n / plain),
        "ratio": round(plain / encrypted, 3),
    }
    print(f"{n} generated patients on {args.db}: generation {generated:.1f} s ({n / generated:,.0f}/s)")
    print(f"  encrypted import  {encrypted:7.1f} s  {n / encrypted:8,.0f} patients/s")
    print(f"  plaintext import  {plain:7.1f} s  {n / plain:8,.0f} patients/s")
    verdict = "PASS" if report["ratio"] >= 0.5 else "FAIL"
    print(f"  encrypted speed / plaintext speed: {report['ratio']:.2f}x  (target >= 0.5x: {verdict})")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
