"""The handover export (`klinika clinic export`, issue 10): resources/s and MB/s, per step, peak
memory at two sizes, and the FHIR step as a ratio to serialising the same resources with
fhir.resources alone (target: at least 0.5x).

    python bench/handover_export.py [--patients 1000 --patients 10000] [--years 1] [--seed 1]
                                    [--attachments-every 20] [--age] [--json FILE]

For each size a synthetic clinic is built (`build_clinic`, not timed) in a child process on a fresh
SQLite data directory, with one attachment (100 KB, generated) for every Nth patient. Then a second
child process, started cold, runs `export_clinic` into an empty directory and reports:

- per step (FHIR, e-document PDFs, visit-history PDFs, attachments, audit trail): wall time, files,
  units (resources for FHIR, files otherwise), bytes written, units/s and MB/s; from the export's
  own progress callbacks and its after_file hook;
- the whole export: files, bytes, seconds, MB/s;
- peak RSS of the export process (ru_maxrss) and its RSS before the export began, and the largest
  PDF worker's peak (RUSAGE_CHILDREN): "flat in size" means the peaks do not grow with the number
  of patients.

FHIR ratio (Contract A, klinika.fhir.handover): a third cold process reads the export's own
fhir/<Type>.ndjson back and, line by line, builds each resource with fhir.resources
(`get_fhir_model_class(type)` then model_validate/parse_obj) and serialises it to JSON: what
fhir.resources alone costs for exactly these resources, without klinika's reads, decryption,
hashing and writing. ratio = that time / the export's FHIR step time (1.0 = the export costs no
more than fhir.resources itself). Without klinika.fhir.handover installed the FHIR step is absent
and the ratio is reported as not measured.

--age encrypts the export to a fresh age recipient (what a clinic that gives `--to` gets).
"""
import argparse
import base64
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)] + ([] if os.environ.get("PYTHONPATH") else [str(REPO / "src")])

SLUG = "bench-handover"
ATTACHMENT_BYTES = 100 * 1024
TARGET = 0.5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, action="append", help="repeat for several sizes (default 200)")
    parser.add_argument("--years", type=float, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--attachments-every", type=int, default=20)
    parser.add_argument("--age", action="store_true", help="encrypt the export to a fresh age recipient")
    parser.add_argument("--keep", action="store_true", help="keep the data directories and exports")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--role", choices=["build", "export", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def setup_django(data_dir: Path):
    os.environ["KLINIKA_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("KEYSTORE_DATABASE_URL", None)
    os.environ["KLINIKA_ENV"] = "dev"
    key_file = data_dir / "bench-root.key"
    if not key_file.exists():
        key_file.write_text(base64.b64encode(os.urandom(32)).decode())
    os.environ["KLINIKA_ROOT_KEY"] = key_file.read_text().strip()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


# ---------------------------------------------------------------------------- children

def build(args) -> dict:
    setup_django(args.data_dir)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("migrate", database="keystore", verbosity=0)
    from klinika.patients.models import Patient
    from klinika.records.services import attachments
    from klinika.staff.models import Practitioner, Profession
    from klinika.tenancy.context import clinic_context
    from klinika.testdata.synth_clinic import build_clinic

    started = time.perf_counter()
    report = build_clinic("Przychodnia Benchmark", slug=SLUG, patients=args.patients[0], years=args.years,
                          seed=args.seed)
    added = 0
    with clinic_context(report.clinic):
        doctor = Practitioner.objects.select_related("staff__user").filter(profession=Profession.DOCTOR).first()
        pks = list(Patient.objects.order_by("pk").values_list("pk", flat=True))[::args.attachments_every]
        for pk in pks:
            body = b"%PDF-1.4\n% generated bench attachment\n" + os.urandom(ATTACHMENT_BYTES) + b"\n%%EOF\n"
            attachments.upload(doctor.staff.user, pk, SimpleUploadedFile(f"wynik-{pk}.pdf", body, "application/pdf"))
            added += 1
    return {"seconds": time.perf_counter() - started, "patients": report.patients,
            "appointments": report.appointments, "encounters": report.encounters,
            "documents": report.prescriptions + report.referrals + report.sick_leaves, "attachments": added}


def export(args) -> dict:
    setup_django(args.data_dir)
    from klinika.lifecycle.handover.services import export_clinic
    from klinika.tenancy.models import Clinic

    clinic = Clinic.objects.get(slug=SLUG)
    recipients = []
    if args.age:
        import pyrage

        recipients = [str(pyrage.x25519.Identity.generate().to_public())]
    steps: dict[str, dict] = {}

    def progress(step, done, total):
        now = time.perf_counter()
        entry = steps.setdefault(step, {"first": now, "last": now, "units": 0, "files": 0, "bytes": 0})
        entry["last"], entry["units"] = now, done

    names = {}

    def on_file(finished):
        names.setdefault(finished.step, {"files": 0, "bytes": 0})
        names[finished.step]["files"] += 1
        names[finished.step]["bytes"] += finished.bytes

    rss_before = current_rss_mb()
    started = time.perf_counter()
    result = export_clinic(clinic, args.out, recipients=recipients, progress=progress, after_file=on_file)
    seconds = time.perf_counter() - started
    # A step's time runs from its first progress call to the next step's first (the files of a
    # step are written between them); the last step ends with the export.
    ordered = sorted(steps.items(), key=lambda item: item[1]["first"])
    for index, (_label, entry) in enumerate(ordered):
        end = ordered[index + 1][1]["first"] if index + 1 < len(ordered) else started + seconds
        entry["seconds"] = end - entry["first"]
    by_label = {}
    step_names = {"FHIR resources": "fhir", "e-documents (PDF)": "documents", "visit histories (PDF)": "patients",
                  "attachments": "attachments", "audit trail": "audit"}
    for label, entry in ordered:
        files = names.get(step_names.get(label, label), {"files": 0, "bytes": 0})
        by_label[label] = {"seconds": entry["seconds"], "units": entry["units"], **files}
    return {"seconds": seconds, "files": result.files, "bytes": result.bytes, "counts": result.counts,
            "steps": by_label, "rss_before_mb": rss_before, "rss_peak_mb": rss_mb(),
            "workers_rss_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "age": bool(recipients)}


def baseline(args) -> dict:
    """fhir.resources alone over the export's own FHIR files: build each resource, serialise it."""
    setup_django(args.data_dir)
    try:
        from fhir.resources.R4B import get_fhir_model_class  # the export's FHIR version (R4B = R4 + errata)
    except ImportError:
        return {"measured": False, "why": "fhir.resources is not installed"}
    fhir_dir = args.out / "fhir"
    if not fhir_dir.is_dir():
        return {"measured": False, "why": "the export has no fhir/ (klinika.fhir.handover not installed)"}
    total, resources, size = 0.0, 0, 0
    for path in sorted(fhir_dir.glob("*.ndjson")):
        model = get_fhir_model_class(path.name[: -len(".ndjson")])
        build_one = getattr(model, "model_validate", None) or model.parse_obj
        with open(path, "rb") as handle:
            for line in handle:
                data = json.loads(line)
                started = time.perf_counter()
                resource = build_one(data)
                text = resource.model_dump_json() if hasattr(resource, "model_dump_json") else resource.json()
                total += time.perf_counter() - started
                resources += 1
                size += len(text)
    return {"measured": True, "seconds": total, "resources": resources, "bytes": size}


# ---------------------------------------------------------------------------- the parent

def child(role: str, args, data_dir: Path, out: Path, patients: int) -> dict:
    command = [sys.executable, __file__, "--role", role, "--data-dir", str(data_dir), "--out", str(out),
               "--patients", str(patients), "--years", str(args.years), "--seed", str(args.seed),
               "--attachments-every", str(args.attachments_every)] + (["--age"] if args.age else [])
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.environ.get(
        "PYTHONPATH", str(REPO / "src"))})
    if done.returncode != 0:
        raise SystemExit(f"{role} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_size(args, patients: int) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"klinika-bench-handover-{patients}-"))
    out = data_dir / "export"
    try:
        built = child("build", args, data_dir, out, patients)
        print(f"{patients} patients: built in {built['seconds']:.0f} s ({built['documents']} e-documents, "
              f"{built['encounters']} visits, {built['attachments']} attachments)", flush=True)
        exported = child("export", args, data_dir, out, patients)
        base = child("baseline", args, data_dir, out, patients)
        return {"patients": patients, "build": built, "export": exported, "baseline": base}
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def report(results: list[dict]) -> None:
    for r in results:
        e = r["export"]
        print(f"\n== {r['patients']} patients{' (age-encrypted)' if e['age'] else ''}: {e['files']} files, "
              f"{e['bytes'] / 2**20:.1f} MB in {e['seconds']:.1f} s = {e['bytes'] / 2**20 / e['seconds']:.2f} MB/s; "
              f"RSS before {e['rss_before_mb']:.0f} MB, peak {e['rss_peak_mb']:.0f} MB "
              f"(largest PDF worker {e['workers_rss_peak_mb']:.0f} MB)")
        print(f"{'step':<24}{'seconds':>9}{'units':>9}{'units/s':>10}{'MB':>9}{'MB/s':>8}")
        for label, s in e["steps"].items():
            rate = s["units"] / s["seconds"] if s["seconds"] else 0
            mb = s["bytes"] / 2**20
            print(f"{label:<24}{s['seconds']:>9.1f}{s['units']:>9}{rate:>10.1f}{mb:>9.1f}"
                  f"{(mb / s['seconds'] if s['seconds'] else 0):>8.2f}")
        base = r["baseline"]
        fhir = e["steps"].get("FHIR resources")
        if base.get("measured") and fhir:
            ratio = base["seconds"] / fhir["seconds"]
            print(f"FHIR: export {fhir['units'] / fhir['seconds']:.0f} resources/s; fhir.resources alone "
                  f"{base['resources'] / base['seconds']:.0f} resources/s; ratio {ratio:.2f}x "
                  f"({'PASS' if ratio >= TARGET else 'FAIL'} against {TARGET}x)")
        else:
            print(f"FHIR ratio: not measured ({base.get('why')})")
    if len(results) > 1:
        small, large = results[0], results[-1]
        growth = large["export"]["rss_peak_mb"] / small["export"]["rss_peak_mb"]
        print(f"\npeak RSS {small['export']['rss_peak_mb']:.0f} MB at {small['patients']} patients, "
              f"{large['export']['rss_peak_mb']:.0f} MB at {large['patients']}: x{growth:.2f} for "
              f"x{large['patients'] / small['patients']:.0f} patients")


def main():
    args = parse_args()
    if args.role:
        handler = {"build": build, "export": export, "baseline": baseline}[args.role]
        print(json.dumps(handler(args), default=str))
        return
    sizes = args.patients or [200]
    print(f"handover export bench: {platform.python_version()}, {os.cpu_count()} CPUs, sizes {sizes}", flush=True)
    results = [run_size(args, n) for n in sizes]
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
