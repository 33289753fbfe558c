"""`klinika codes load icd10|icd9 FILE --clinic SLUG`: a clinic's licensed ICD dictionary.

The file is CSV, UTF-8, two columns (code,name), header optional. A file with any bad line is
refused whole, each problem named with its line number; nothing is loaded. The codes belong to
that one clinic: other clinics keep seeing only the built-in list (and their own dictionary).
"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from klinika.audit.context import Actor, acting_as
from klinika.records.codefiles import SYSTEM_LABELS, SYSTEM_NAMES
from klinika.records.services.codes import DictionaryRefused, load_dictionary
from klinika.tenancy.context import clinic_context, current_clinic_id
from klinika.tenancy.models import Clinic
from klinika.tenancy.services import find_clinic

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Load a clinic's licensed ICD-10 or ICD-9-PL dictionary (CSV: code,name)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="replace the clinic's dictionary of one code system with a CSV file")
        load.add_argument("system", choices=["icd10", "icd9"], help="icd10 (diagnoses) or icd9 (ICD-9-PL procedures)")
        load.add_argument("file", help="CSV file, UTF-8, columns code,name (header optional)")
        load.add_argument("--clinic", help="clinic slug or id (see `klinika clinic list`)")

    def handle(self, *args, action, system, file, clinic=None, **options):
        clinic_obj = self._clinic(clinic)
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        system = SYSTEM_NAMES[system]
        label = SYSTEM_LABELS[system]
        with Progress(disable=not self.stdout.isatty()) as progress, clinic_context(clinic_obj), \
                acting_as(Actor(None, "cli:codes")):
            bar = progress.add_task(f"{label} → {clinic_obj.slug}", total=None)
            try:
                report = load_dictionary(system, data, progress=lambda done, total: progress.update(
                    bar, completed=done, total=total))
            except DictionaryRefused as refused:
                for line, message in refused.problems[:SHOWN_PROBLEMS]:
                    self.stderr.write(f"{path.name}, line {line}: {message}")
                more = len(refused.problems) - SHOWN_PROBLEMS
                if more > 0:
                    self.stderr.write(f"… and {more} more")
                raise CommandError(f"{path.name}: {len(refused.problems)} problem(s); nothing was loaded") from None
        self.stdout.write(f"{clinic_obj.slug}: {label} dictionary loaded, {report.total} codes "
                          f"({report.added} new, {report.updated} renamed, {report.removed} removed)")

    def _clinic(self, ref) -> Clinic:
        if ref is None and current_clinic_id() is not None:  # `klinika --clinic X codes load ...`
            ref = str(current_clinic_id())
        if ref is None:
            raise CommandError("Say which clinic's licence the dictionary comes with: --clinic SLUG")
        try:
            clinic = find_clinic(ref)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if clinic.status != Clinic.Status.ACTIVE:
            raise CommandError(f"Clinic {clinic.slug} is {clinic.status}")
        return clinic
