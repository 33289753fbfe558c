"""`klinika anonymize --from-records DIR --out DATASET --to KEY`: an anonymized, signed dataset
from klinika-records/v1 NDJSON files (reading a live clinic comes with the export path)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from klinika.testdata.anonymize import IdentifiersSurvived
from klinika.testdata.anonymize.records_io import RECORD_FILES, anonymize_records_dir
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import DatasetRefused, unb64


class Command(BaseCommand):
    help = "(production) Anonymize klinika-records/v1 NDJSON files into a signed dataset for one test environment."

    def add_arguments(self, parser):
        parser.add_argument("--from-records", required=True, metavar="DIR",
                            help=f"directory of {', '.join(f + '.ndjson' for f in RECORD_FILES)}")
        parser.add_argument("--out", required=True, metavar="DATASET", help="new dataset directory or .tar")
        parser.add_argument("--to", required=True, metavar="KEY",
                            help="the test environment's one-time recipient key (`klinika testenv recipient-key`)")
        parser.add_argument("--k", type=int, default=5, help="every quasi-identifier group at least this big")
        parser.add_argument("--days", type=int, default=30, help="the dataset expires after this many days")

    def handle(self, *args, from_records, out, to, k, days, **options):
        if k < 2:
            raise CommandError(f"--k {k}: k-anonymity needs k of 2 or more")
        try:
            recipient = unb64(to, 32)
        except (ValueError, DatasetRefused):
            raise CommandError("--to is not a recipient key: give the base64 key `klinika testenv recipient-key` "
                               "printed in the test environment") from None
        try:
            report = anonymize_records_dir(Path(from_records), Path(out), recipient=recipient,
                                           signer=services.factory_signer(), k=k, days=days)
        except (services.NotProduction, IdentifiersSurvived, FileNotFoundError, FileExistsError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        counts = report["counts"]
        quasi = report["k_anonymity"]
        self.stdout.write(
            f"anonymized dataset {out}: {counts['patients']} patients ({quasi['patients_suppressed']} suppressed), "
            f"{counts['appointments']} appointments, {counts['notes']} notes, {counts['staff']} staff; "
            f"k = {quasi['k_achieved']} (asked {k}); generalised: "
            + ", ".join(f"{field} to {level}" for field, level in quasi["fields"].items()))
