"""`klinika testenv`: signed, expiring datasets in test environments (docs/test-environments.md)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from klinika.crypto.errors import KeyDestroyed, KeyNotFound
from klinika.lifecycle.services import ClinicExists
from klinika.testdata.datasets import services
from klinika.testdata.datasets.container import DatasetRefused, b64, key_fingerprint
from klinika.testdata.datasets.importer import DatasetImportFailed


class Command(BaseCommand):
    help = ("Test environments: load a signed dataset, show what is loaded, destroy expired datasets' keys; "
            "(production) scan a dataset for identifiers of real people.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="verify a signed dataset (directory or .tar) and load it as a new clinic")
        load.add_argument("dataset", help="the dataset's directory or .tar")
        load.add_argument("--slug", help="the new clinic's slug (default: from the dataset)")
        load.add_argument("--name", help="the new clinic's name (default: from the dataset)")
        sub.add_parser("status", help="every clinic: where it came from, its dataset's expiry and days left")
        sub.add_parser("expire", help="destroy the keys of expired datasets now and shred their clinics")
        sub.add_parser("factory-key", help="(production) print the data factory's public key, for "
                                           "KLINIKA_DATASET_FACTORY_KEYS of test environments")
        scan = sub.add_parser("scan", help="(production) check a dataset this production wrote against production's "
                                            "blind indexes and name lists; exit 1 if any identifier survived")
        scan.add_argument("dataset", help="the dataset's directory or .tar")
        scan.add_argument("--clinic", action="append", metavar="SLUG",
                          help="the dataset's source clinic, whose people's full names are looked for (repeatable; "
                               "default: every clinic's rare names); numbers and e-mails are always looked up in "
                               "every active clinic's blind indexes")
        sub.add_parser("recipient-key", help="(test environment) make a one-time key to load one dataset; give "
                                             "the printed public key to production (--to)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action.replace("-", "_"))(**options)
        except (DatasetRefused, services.NotProduction) as exc:
            raise CommandError(str(exc)) from None

    def load(self, *, dataset, slug, name, **options):
        columns = (TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn())
        console = Console(stderr=True)
        with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
            bars = {}

            def advance(step, done, total):
                if step not in bars:
                    bars[step] = progress.add_task(step.replace("_", " "), total=total)
                progress.update(bars[step], completed=done, total=total)

            try:
                with translation.override("en"):  # the bulk imports' refusals, for the operator
                    loaded = services.load_dataset(dataset, slug=slug, name=name, import_records=True,
                                                   progress=advance)
            except DatasetImportFailed as exc:
                raise CommandError(f"{exc} — nothing was loaded: the clinic begun for it is shredded") from None
            except ClinicExists as exc:
                raise CommandError(str(exc)) from None
        manifest = loaded.manifest
        counts = ", ".join(f"{table} {count}" for table, count in sorted(manifest["counts"].items())) or "no counts"
        self.stdout.write(
            f"loaded {manifest['origin']} dataset {loaded.dataset_id} as clinic {loaded.clinic.slug}: "
            f"{len(loaded.names())} file(s), {counts}; expires {manifest['expires']}")
        self.stdout.write(loaded.imported.summary())

    def scan(self, *, dataset, clinic, **options):
        from klinika.testdata.anonymize.production_scan import scan_dataset

        try:
            result = scan_dataset(dataset, clinics=clinic)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        total = sum(result.records.values())
        files = ", ".join(f"{name} {count}" for name, count in sorted(result.records.items()))
        self.stdout.write(f"dataset {result.dataset_id}: scanned {total} record(s) ({files}) in "
                          f"{result.seconds:.1f} s")
        names = (f"names of {', '.join(result.name_clinics) or 'no clinic'}" if result.name_k is None else
                 f"names of every active clinic, those fewer than {result.name_k} people share (give the source "
                 f"clinic with --clinic to compare every name of its people)")
        self.stdout.write(f"compared with: every active clinic's blind indexes; {names}")
        if result.skipped:
            self.stdout.write(f"not records, not scanned: {', '.join(result.skipped)}")
        if not result.survivors:
            self.stdout.write("clean: no identifier of a production patient or staff member survived")
            return
        kinds = result.by_kind()
        self.stdout.write(f"{len(result.survivors)} identifier(s) survived: "
                          + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
        for kind in sorted(kinds):
            shown = [s for s in result.survivors if s.kind == kind][:5]
            for survivor in shown:
                self.stdout.write(f"  {survivor}")  # masked: the first two characters only
            if kinds[kind] > len(shown):
                self.stdout.write(f"  ... and {kinds[kind] - len(shown)} more {kind}")
        raise CommandError(f"dataset {result.dataset_id} holds {len(result.survivors)} identifier(s) of real "
                           f"people: do not hand it out; fix the anonymizer's output and write a new one",
                           returncode=1)

    def status(self, **options):
        rows = services.status()
        if not rows:
            self.stdout.write(f"no clinics (KLINIKA_ENV={services.environment()})")
        for row in rows:
            if row.dataset_id is None:
                self.stdout.write(f"{row.slug}: {row.origin}, {row.state}")
            else:
                self.stdout.write(f"{row.slug}: {row.origin} dataset {row.dataset_id}, expires "
                                  f"{row.expires_at:%Y-%m-%d %H:%M} UTC, {row.days_left} day(s) left, {row.state}")

    def expire(self, **options):
        gone = services.expire_datasets()
        for item in gone:
            self.stdout.write(f"{item.slug}: dataset {item.dataset_id} expired {item.expires_at:%Y-%m-%d}: "
                              f"key destroyed, clinic shredded")
        self.stdout.write(f"{len(gone)} dataset(s) expired")

    def factory_key(self, **options):
        key = services.factory_public_key()
        self.stdout.write(b64(key))
        self.stderr.write(f"dataset factory key {key_fingerprint(key)}: set KLINIKA_DATASET_FACTORY_KEYS to it "
                          f"in every test environment")

    def recipient_key(self, **options):
        try:
            key = services.new_recipient_key()
        except (KeyNotFound, KeyDestroyed) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(b64(key))
        self.stderr.write(f"one-time recipient key {key_fingerprint(key)}, valid {services.RECIPIENT_DAYS} days: "
                          f"production writes a dataset for this environment with --to {b64(key)}")
