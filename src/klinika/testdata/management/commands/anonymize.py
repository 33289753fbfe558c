"""`klinika anonymize --clinic SLUG | --from-records DIR --out DATASET --to KEY`: an anonymized,
signed dataset from a live clinic of this (production) instance, or from klinika-records/v1
NDJSON files."""
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from klinika.tenancy.services import find_clinic
from klinika.testdata.anonymize import IdentifiersSurvived
from klinika.testdata.anonymize.records_io import RECORD_FILES, anonymize_records_dir
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import recipient_key
from klinika.testdata.export import anonymize_clinic


class Command(BaseCommand):
    help = ("(production) Anonymize one clinic (--clinic) or klinika-records/v1 NDJSON files (--from-records) "
            "into a signed dataset for one test environment.")

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--clinic", metavar="SLUG",
                            help="the clinic to anonymize (slug or id, `klinika clinic list`)")
        source.add_argument("--from-records", metavar="DIR",
                            help=f"directory of {', '.join(f + '.ndjson' for f in RECORD_FILES)}")
        parser.add_argument("--out", required=True, metavar="DATASET", help="new dataset directory or .tar")
        parser.add_argument("--to", required=True, metavar="KEY",
                            help="the test environment's one-time recipient key (`klinika testenv recipient-key`)")
        parser.add_argument("--k", type=int, default=5, help="every quasi-identifier group at least this big")
        parser.add_argument("--days", type=int, default=30, help="the dataset expires after this many days")

    def handle(self, *args, clinic, from_records, out, to, k, days, **options):
        if k < 2:
            raise CommandError(f"--k {k}: k-anonymity needs k of 2 or more")
        try:
            recipient = recipient_key(to)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            signer = services.factory_signer()
            if clinic is not None:
                report = self._clinic(self._find(clinic), Path(out), recipient, signer, k, days)
            else:
                report = anonymize_records_dir(Path(from_records), Path(out), recipient=recipient, signer=signer,
                                               k=k, days=days)
        except (services.NotProduction, IdentifiersSurvived, FileNotFoundError, FileExistsError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        counts = report["counts"]
        quasi = report["k_anonymity"]
        others = ", ".join(f"{counts[name]} {name.replace('_', ' ')}" for name in
                           ("visit_types", "weekly_hours", "encounters", "allergies", "vitals", "notes")
                           if counts[name])
        self.stdout.write(
            f"anonymized dataset {out}: {counts['patients']} patients ({quasi['patients_suppressed']} suppressed), "
            f"{counts['appointments']} appointments, {counts['staff']} staff{', ' + others if others else ''}; "
            f"k = {quasi['k_achieved']} (asked {k}); generalised: "
            + ", ".join(f"{field} to {level}" for field, level in quasi["fields"].items()))

    @staticmethod
    def _find(ref: str):
        try:
            clinic = find_clinic(ref)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if clinic.status != clinic.Status.ACTIVE:
            raise CommandError(f"Clinic {clinic.slug} is {clinic.status}: its data is gone, there is nothing "
                               "to anonymize")
        return clinic

    def _clinic(self, clinic, out, recipient, signer, k, days) -> dict:
        columns = (TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn())
        # The bar goes to stderr: stdout carries the report, which a script may read.
        with Progress(*columns, console=Console(file=sys.stderr), disable=not sys.stderr.isatty()) as progress:
            bars = {}

            def advance(step, done, total):
                if step not in bars:
                    bars[step] = progress.add_task(step, total=total)
                progress.update(bars[step], completed=done, total=total)

            return anonymize_clinic(clinic, out, recipient=recipient, signer=signer, k=k, days=days, progress=advance)
