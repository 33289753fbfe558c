"""`klinika clinic export|verify-export|import`: the arguments and the output (the work is in services)."""
import sys
from pathlib import Path

from django.core.management.base import CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from klinika.lifecycle.handover import services
from klinika.lifecycle.handover.container import ExportError
from klinika.lifecycle.handover.verify import verify_export
from klinika.tenancy.services import find_clinic


def add_subcommands(sub) -> None:
    export = sub.add_parser("export", help="write everything the clinic owns into a directory, readable without "
                                           "klinika (FHIR NDJSON, PDFs, attachments, audit trail, manifest); "
                                           "rerun on the same directory to continue after a crash")
    export.add_argument("clinic", help="the clinic's slug or id")
    export.add_argument("--out", required=True, metavar="DIR",
                        help="a new or empty directory (or an unfinished export)")
    export.add_argument("--to", action="append", default=[], metavar="AGE_RECIPIENT",
                        help="encrypt each file to this age public key (age1...); repeat for several")
    verify = sub.add_parser("verify-export", help="check a handover export against its manifest")
    verify.add_argument("directory")
    imported = sub.add_parser("import", help="create a fresh clinic from a handover export")
    imported.add_argument("directory")
    imported.add_argument("--identity", metavar="AGE_KEY_FILE", help="the age identity file of an encrypted export")
    imported.add_argument("--slug", help="the new clinic's slug (default: the exported clinic's)")


def _bar(stdout) -> Progress:
    # On stderr, and only on a terminal: stdout stays the result lines a script can read.
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=Console(file=sys.stderr), disable=not sys.stderr.isatty())


def _progress(bar: Progress):
    tasks = {}

    def tick(step, done, total):
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=total)
        bar.update(tasks[step], completed=done, total=total)

    return tick


def export(command, options) -> None:
    try:
        clinic = find_clinic(options["clinic"])
    except LookupError as exc:
        raise CommandError(str(exc)) from None
    out = Path(options["out"]).resolve()
    try:
        with _bar(command.stdout) as bar:
            result = services.export_from_command_line(clinic, out, recipients=options.get("to") or [],
                                                       progress=_progress(bar))
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    if result.already_complete:
        command.stdout.write(f"{out} already holds a complete export of {clinic.slug}: nothing to do")
    else:
        command.stdout.write(f"exported {clinic.slug} to {out}{' (resumed)' if result.resumed else ''}: "
                             f"{result.files} files, {result.bytes} bytes")
    command.stdout.write("counts: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
    command.stdout.write(f"manifest sha256 {result.manifest_sha256}")


def verify(command, options) -> None:
    report = verify_export(options["directory"])
    if not report.ok:
        for problem in report.problems:
            command.stderr.write(problem)
        raise CommandError(f"{options['directory']}: {len(report.problems)} problem(s); the export is not intact")
    command.stdout.write(f"ok: {report.files} files, {report.bytes} bytes match the manifest "
                         f"(manifest sha256 {report.manifest_sha256})")


def import_(command, options) -> None:
    identity = None
    if options.get("identity"):
        try:
            identity = Path(options["identity"]).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read the identity file {options['identity']}: {exc}") from None
    try:
        with _bar(command.stdout) as bar:
            result = services.import_clinic(options["directory"], identity_text=identity, slug=options.get("slug"),
                                            progress=_progress(bar))
    except (services.ImportRefused, ExportError) as exc:
        raise CommandError(str(exc)) from None
    command.stdout.write(f"imported into the new clinic {result.clinic.slug} ({result.clinic.pk})")
    command.stdout.write("resources: " + ", ".join(f"{k} {v}" for k, v in result.loaded.items()))
    command.stdout.write("made: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))


HANDLERS = {"export": export, "verify-export": verify, "import": import_}
