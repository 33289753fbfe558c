import uuid

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from klinika.crypto.errors import KlinikaCryptoError
from klinika.lifecycle import services
from klinika.tenancy.services import find_clinic


class Command(BaseCommand):
    help = "Key operations: rotate a clinic's keys, crypto-erase one person, crypto-shred a clinic."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="new KEK and data key; re-wraps keys, rewrites no data")
        rotate.add_argument("clinic", help="clinic slug or id")
        rotate.add_argument("--index", action="store_true",
                            help="rotate the index key instead: every blind index recomputed, the old key destroyed "
                                 "(old backups stop matching the live keystore; resumes if interrupted)")
        erase = sub.add_parser("erase-subject", help="destroy one person's key (patient or staff)")
        erase.add_argument("clinic")
        erase.add_argument("subject", help="the person's subject reference (UUID)")
        erase.add_argument("--reason", required=True)
        shred = sub.add_parser("shred", help="destroy a clinic's keys: all its data, in every copy, becomes unreadable")
        shred.add_argument("clinic")
        shred.add_argument("--reason", default="contract ended")
        shred.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, action, **options):
        try:
            clinic = find_clinic(options["clinic"])
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        try:
            if action == "rotate" and options["index"]:
                self.rotate_index(clinic)
            elif action == "rotate":
                report = services.rotate_keys(clinic)
                self.stdout.write(
                    f"rotated keys of {clinic.slug}: KEK {report.old_kek} -> {report.new_kek}, "
                    f"{report.rewrapped} keys re-wrapped, new data key {report.new_dek}; no data rewritten"
                )
            elif action == "erase-subject":
                try:
                    subject = uuid.UUID(options["subject"])
                except ValueError:
                    raise CommandError(f"{options['subject']!r} is not a subject reference (a UUID)") from None
                if services.erase_subject(clinic, subject, options["reason"]):
                    self.stdout.write(f"erased subject {subject} of {clinic.slug}: their data can no longer be read")
                else:
                    raise CommandError(f"{clinic.slug} has no live key for subject {subject} (already erased?)")
            else:
                if not options["yes"]:
                    if not options.get("interactive", True) or not self.stdin_isatty():
                        raise CommandError("shred destroys the clinic's data for good; repeat with --yes to confirm")
                    answer = input(f"Type the clinic slug ({clinic.slug}) to destroy its keys: ")
                    if answer.strip() != clinic.slug:
                        raise CommandError("not confirmed; nothing was changed")
                count = services.shred_clinic(clinic, options["reason"])
                self.stdout.write(
                    f"shredded {clinic.slug}: {count} keys destroyed; its data is now unreadable everywhere")
        except KlinikaCryptoError as exc:
            raise CommandError(str(exc)) from None

    def rotate_index(self, clinic):
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=True, disable=not self.stdout.isatty()) as progress:
            bars = {}

            def advance(table, done, total):
                if table not in bars:
                    bars[table] = progress.add_task(table, total=total)
                progress.update(bars[table], completed=done, total=total)

            report = services.rotate_index_key(clinic, progress=advance)
        resumed = " (resumed an interrupted rotation)" if report.resumed else ""
        self.stdout.write(
            f"rotated the index key of {clinic.slug}{resumed}: {report.rows} rows re-indexed under {report.new_key}, "
            f"old index key {report.old_key} destroyed")

    @staticmethod
    def stdin_isatty():
        import sys

        return sys.stdin is not None and sys.stdin.isatty()
