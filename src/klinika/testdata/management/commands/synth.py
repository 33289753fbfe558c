from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from klinika.bulk import ImportRejected
from klinika.lifecycle.services import ClinicExists, shred_clinic
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import recipient_key
from klinika.testdata.export import synthetic_clinic_dataset
from klinika.testdata.synth_clinic import build_clinic


class Command(BaseCommand):
    help = ("Create a synthetic clinic (generated people only): practitioners with weekly hours and leave, "
            "patients with allergies, appointments over the past years and the next weeks, signed visit records "
            "with measurements, e-prescriptions, e-referrals and sick leaves, through the bulk import services.")

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="the new clinic's name")
        parser.add_argument("--slug", default=None, help="the clinic's short name (from its name if not given)")
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--years", type=float, default=1.0, help="years of appointment history")
        parser.add_argument("--seed", type=int, required=True, help="the same seed gives the same clinic")
        parser.add_argument("--batch-size", type=int, default=10_000, help="patients generated per batch")
        parser.add_argument("--out", metavar="DATASET", help="(production) write the clinic as a signed synthetic "
                                                             "dataset (directory or .tar), then shred it here")
        parser.add_argument("--to", metavar="KEY", help="with --out: the test environment's one-time recipient key "
                                                        "(`klinika testenv recipient-key`)")
        parser.add_argument("--days", type=int, default=30, help="with --out: the dataset expires after this many days")

    def handle(self, *args, clinic, slug, patients, years, seed, batch_size, out, to, days, **options):
        if patients < 0 or not 0 <= years <= 30 or batch_size < 100:
            raise CommandError("--patients must be >= 0, --years between 0 and 30, --batch-size >= 100")
        dataset = self._dataset_target(out, to, days)
        columns = (TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn())
        with Progress(*columns, disable=not self.stdout.isatty()) as progress:
            bars = {}

            def advance(step, done, total):
                if step not in bars:
                    bars[step] = progress.add_task(step, total=total)
                progress.update(bars[step], completed=done, total=total)

            try:
                report = build_clinic(clinic, slug=slug, patients=patients, years=years, seed=seed,
                                      batch_size=batch_size, progress=advance)
            except (ClinicExists, ValueError) as error:
                raise CommandError(str(error)) from None
            except ImportRejected as error:
                raise CommandError(f"generated data was refused (a generator bug): {error}") from None
            if dataset is not None:
                signer, recipient = dataset
                counts = synthetic_clinic_dataset(report, {"patients": patients, "years": years, "seed": seed}, out,
                                                  recipient=recipient, signer=signer, days=days, progress=advance)
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(report.statuses.items()))
        self.stdout.write(f"synthetic clinic created: {report.clinic.name} ({report.clinic.slug})")
        self.stdout.write(f"  practitioners {report.practitioners}, weekly hours {report.hours}, "
                          f"patients {report.patients}, appointments {report.appointments} ({statuses}), "
                          f"signed visit records {report.encounters}")
        self.stdout.write(f"  leave periods {report.leave}, allergies {report.allergies}, "
                          f"measurements {report.vitals}, "
                          f"e-prescriptions {report.prescriptions}, e-referrals {report.referrals}, "
                          f"e-sick-leaves {report.sick_leaves} (imported history: not sent to P1 or ZUS)")
        if dataset is not None:
            # The dataset is the product; the clinic it came from is not kept in this instance.
            shred_clinic(report.clinic, "synthetic clinic written to a dataset")
            self.stdout.write(f"signed synthetic dataset {out}: " + ", ".join(
                f"{name} {count}" for name, count in counts.items()) + f"; expires in {days} days; the clinic "
                f"{report.clinic.slug} is shredded here")

    def _dataset_target(self, out, to, days):
        """(signer, recipient key) for --out, checked before anything is generated; None without --out."""
        if out is None and to is None:
            return None
        if out is None or to is None:
            raise CommandError("--out and --to go together: the dataset is written for one test environment's key")
        if Path(out).exists():
            raise CommandError(f"{out} exists already: give --out a new path (a dataset is never overwritten)")
        if days < 1:
            raise CommandError(f"--days {days}: a dataset lives at least one day")
        try:
            recipient = recipient_key(to)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            return services.factory_signer(), recipient
        except services.NotProduction as exc:
            raise CommandError(str(exc)) from None
