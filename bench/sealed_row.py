"""Experiment: the patient-list page with one AES-GCM call per row instead of one per field.

    python bench/sealed_row.py [--db sqlite|postgres] [--rows N] [--repeats N]

encrypted_page.py finds that one AEAD call per field puts a floor of about 1.5x under
the list page (--breakdown, "bare AES-GCM + decode"), above the issue's 1.25x. This
measures the structural alternative: the six fields the list shows, sealed together in
one EncryptedJSONField per row (a bench-only model, SealedPatient, in the same clinic and
under the same per-patient subject keys). Three pages are timed side by side, as in
encrypted_page.py: the plaintext twin, Patient as it is (one call per field) and
SealedPatient (one call per row). This is a measurement to inform a design choice, not
a proposed implementation.
"""
import datetime
import gc
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import encrypted_page as ep  # noqa: E402


def main():
    args = ep.parse_args()
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    console = Console(width=max(110, Console().width))
    temp = ep.configure(args)
    try:
        from django.db import connection, models

        from bench.plainapp.models import PlainPatient
        from klinika.crypto.fields import EncryptedJSONField
        from klinika.patients.models import Patient
        from klinika.tenancy.context import clinic_context
        from klinika.tenancy.models import ClinicOwnedModel

        class SealedPatient(ClinicOwnedModel):
            subject_ref = models.UUIDField(unique=True)
            sealed = EncryptedJSONField()  # {"last_name": ..., "birth_date": "YYYY-MM-DD", ...}
            created_at = models.DateTimeField(auto_now_add=True)

            class Meta:
                app_label = "benchplain"
                indexes = [models.Index(fields=["clinic", "created_at"])]

            def encryption_subject_ref(self):
                return self.subject_ref

        with connection.schema_editor() as editor:
            editor.create_model(SealedPatient)

        with Progress(transient=True, console=console) as progress:
            clinic, data, _ = ep.populate(args.rows, args.seed, progress)
        with clinic_context(clinic):
            for start in range(0, len(data), 250):
                SealedPatient.objects.bulk_create([
                    SealedPatient(clinic_id=clinic.pk, subject_ref=person["subject_ref"], sealed={
                        name: person[name].isoformat() if name == "birth_date" else person[name]
                        for name in ep.LIST_FIELDS})
                    for person in data[start:start + 250]])

            list6 = ep.scenarios()[0]

            def sealed_page(offset):
                out = []
                for obj in SealedPatient.objects.order_by("created_at", "id").only("sealed")[offset:offset + ep.PAGE]:
                    out.append(obj.pk)
                    values = obj.sealed
                    for name in ep.LIST_FIELDS:
                        value = values[name]
                        out.append(ep.render(datetime.date.fromisoformat(value) if name == "birth_date" else value))
                return out

            variants = {
                "plaintext twin": lambda offset: ep.load_page(PlainPatient, list6, offset),
                "Patient: one AES-GCM call per field": lambda offset: ep.load_page(Patient, list6, offset),
                "SealedPatient: one AES-GCM call per row": sealed_page,
            }
            width = len(ep.LIST_FIELDS) + 1

            def values(rows):  # without the pks, which differ between tables
                return [v for i, v in enumerate(rows) if i % width]

            shown = values(variants["plaintext twin"](ep.PAGE))
            for name, page in variants.items():
                if values(page(ep.PAGE)) != shown:
                    raise SystemExit(f"{name} shows another page than the plaintext twin")
            rnd = random.Random(args.seed + 3)
            pages = args.rows // ep.PAGE
            names = list(variants)
            samples = {name: [] for name in names}
            gc.collect()
            gc.disable()
            try:
                for _ in range(args.repeats):
                    offset = rnd.randrange(pages) * ep.PAGE
                    for page in variants.values():  # untimed: keys and rows warm
                        page(offset)
                    runs = {name: [] for name in names}
                    for _ in range(args.best_of):
                        rnd.shuffle(names)
                        for name in names:
                            runs[name].append(ep.timed(variants[name], offset))
                    for name, times in runs.items():
                        samples[name].append(ep.best(times))
                    gc.collect()
            finally:
                gc.enable()
        results = {name: ep.summarise(samples[name], samples["plaintext twin"]) for name in variants
                   if name != "plaintext twin"}
        found = ep.versions()
        title = f"list6 page, warm keys, {found['database']}, {args.rows} rows, {args.repeats} random pages"
        table = Table(title=title, title_justify="left")
        for header in ("variant", "encrypted µs", "plaintext µs", "ratio", "IQR of ratio", "CPU ratio"):
            table.add_column(header, justify="left" if header == "variant" else "right")
        for name, r in results.items():
            table.add_row(name, f"{r['enc_us']:.0f}", f"{r['plain_us']:.0f}", f"{r['median_ratio']:.2f}",
                          f"{r['ratio_p25']:.2f}–{r['ratio_p75']:.2f}", f"{r['median_cpu_ratio']:.2f}")
        console.print(table)
    finally:
        from django.db import connections

        connections.close_all()
        import shutil

        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
