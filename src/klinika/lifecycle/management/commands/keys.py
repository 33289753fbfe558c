import datetime
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from klinika.crypto import keystore
from klinika.crypto.errors import KlinikaCryptoError
from klinika.lifecycle import services
from klinika.tenancy.services import find_clinic


class Command(BaseCommand):
    help = ("Key operations: rotate a clinic's keys, crypto-erase one person, crypto-shred a clinic; "
            "root key generations (rotate-root, generations, destroy-root-generations).")

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
        root = sub.add_parser("rotate-root", help="a new root key generation; every live KEK re-wrapped under it, "
                                                  "the old generation retired (completes an interrupted rotation)")
        root.add_argument("--retention-days", type=int, default=None,
                          help="destroy the old generation this many days from now (default "
                               "KLINIKA_BACKUP_RETENTION_DAYS)")
        sub.add_parser("generations", help="list the root key generations")
        destroy = sub.add_parser("destroy-root-generations",
                                 help="destroy retired root key generations whose destroy-after date has passed")
        destroy.add_argument("--now", default=None,
                             help="ISO date-time taken as now (tests; or to end the retention window early on "
                                  "purpose: every keystore backup made under those generations stops opening)")

    def handle(self, *args, action, **options):
        if action in ("rotate-root", "generations", "destroy-root-generations"):
            try:
                getattr(self, action.replace("-", "_"))(**options)
            except (KlinikaCryptoError, ValueError) as exc:
                raise CommandError(str(exc)) from None
            return
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

    def rotate_root(self, *, retention_days, **options):
        columns = (TextColumn("re-wrapping KEKs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=True, disable=not self.stdout.isatty()) as progress:
            bar = progress.add_task("keks", total=None)
            report = keystore.rotate_root(retention_days=retention_days,
                                          on_rewrapped=lambda _kek: progress.advance(bar))
        resumed = " (completed an interrupted rotation)" if report.resumed else ""
        self.stdout.write(f"root key generation {report.generation} is current{resumed}: "
                          f"{report.rewrapped} KEKs re-wrapped, no data rewritten")
        if report.retired:
            self.stdout.write(
                f"retired generation(s) {', '.join(map(str, report.retired))}: destroyed after "
                f"{report.destroy_after:%Y-%m-%d %H:%M} UTC (`klinika keys destroy-root-generations`, "
                f"or the worker); keystore backups made before now need them until then")

    def generations(self, **options):
        rows = keystore.root_generations()
        current = rows[-1].number

        def when(value):
            return f"{value:%Y-%m-%d %H:%M}" if value else "-"

        self.stdout.write(f"{'gen':>4}  {'state':<9}  {'created':<16}  {'retired':<16}  {'destroy after':<16}  "
                          f"{'destroyed':<16}  fingerprint")
        for row in rows:
            state = ("current" if row.number == current else "destroyed" if row.destroyed_at
                     else "retired" if row.retired_at else "rotating")
            self.stdout.write(f"{row.number:>4}  {state:<9}  {when(row.created_at):<16}  {when(row.retired_at):<16}  "
                              f"{when(row.destroy_after):<16}  {when(row.destroyed_at):<16}  {row.fingerprint[:16]}")

    def destroy_root_generations(self, *, now, **options):
        moment = None
        if now is not None:
            try:
                moment = datetime.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now {now!r} is not an ISO date-time (e.g. 2027-01-31T12:00:00+00:00)") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.UTC)
        try:
            destroyed = keystore.destroy_due_root_generations(moment)
        except keystore.RootGenerationInUse as exc:
            self._report_destroyed(exc.destroyed)
            raise CommandError(str(exc)) from None
        self._report_destroyed(destroyed)

    def _report_destroyed(self, destroyed):
        if destroyed:
            self.stdout.write(f"destroyed root key generation(s) {', '.join(map(str, destroyed))}: keystore backups "
                              f"made under them open nothing any more. Destroy every copy of their key files "
                              f"in your key backups too.")
        else:
            self.stdout.write(f"no root key generation is due for destruction (retention window "
                              f"{settings.KLINIKA_BACKUP_RETENTION_DAYS} days; see `klinika keys generations`)")

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
