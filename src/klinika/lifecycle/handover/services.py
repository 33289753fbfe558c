"""The handover export and import: `klinika clinic export|import`, and the clinic admin's export screen.

export_clinic writes everything the clinic owns into a directory (steps.py says what, container.py
how), resumably: run it again on the same directory after a crash and it continues. It is audited
(an export event when it starts or resumes, and when it completes) and refuses a terminated clinic.
import_clinic checks an export against its manifest before anything is made, then creates a fresh
clinic and hands the FHIR NDJSON to Contract A's ImportSession.
"""
import datetime
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika import jsonlines
from klinika.accounts.policy import require
from klinika.audit.models import Action, AuditChainHead
from klinika.audit.services import chain_name, record
from klinika.lifecycle import services as lifecycle
from klinika.lifecycle.handover.container import (
    AGE,
    FORMAT,
    ExportDirectory,
    ExportError,
    open_plaintext,
    parse_recipients,
    read_identities,
)
from klinika.lifecycle.handover.models import HandoverExport
from klinika.lifecycle.handover.pdfworkers import PdfRenderer, default_workers
from klinika.lifecycle.handover.steps import ExportContext, Step, default_steps
from klinika.lifecycle.handover.verify import verify_export
from klinika.safelog import log_failure
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic

logger = logging.getLogger("klinika.handover")

Progress = Callable[[str, int, int], None] | None
ROW_EVERY_SECONDS = 1.0


@dataclass
class ExportResult:
    directory: Path
    manifest_sha256: str
    files: int
    bytes: int
    counts: dict
    resumed: bool = False
    already_complete: bool = False


def _klinika_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("klinika")
    except PackageNotFoundError:
        return "unknown"


def check_exportable(clinic: Clinic) -> None:
    if clinic.status == Clinic.Status.TERMINATED:
        raise ExportError(f"Clinic {clinic.slug} is terminated: its keys were shredded, so nothing of it can be "
                          f"read or exported any more. The export had to be made before the shred.")


def _result_from_manifest(directory: Path, resumed=False, already=False) -> ExportResult:
    body = (directory / "manifest.json").read_bytes()
    manifest = json.loads(body)
    return ExportResult(directory, hashlib.sha256(body).hexdigest(), len(manifest["files"]),
                        sum(f["bytes"] for f in manifest["files"]), manifest.get("counts", {}), resumed, already)


def export_clinic(clinic: Clinic, out, *, recipients=(), steps: list[Step] | None = None, progress: Progress = None,
                  chunk_size: int = 200, now: datetime.datetime | None = None, after_file=None,
                  durable: bool = True, export: HandoverExport | None = None,
                  pdf_workers: int | None = None) -> ExportResult:
    """Everything the clinic owns into `out`; rerun on the same `out` after a crash, it continues.

    `recipients`: age public keys; each file is then encrypted to all of them. `progress(step, done,
    total)` hears each file (and FHIR resources as they stream). `after_file(finished)` is called after
    each finished file. `now` fixes the export's moment (a rerun keeps the first run's). `pdf_workers`:
    processes that lay out the PDFs (default: one per core, once a hundred PDFs were made inline)."""
    check_exportable(clinic)
    directory = ExportDirectory(Path(out), parse_recipients(recipients), durable=durable)
    if directory.is_complete():
        return _result_from_manifest(directory.root, already=True)
    with clinic_context(clinic):
        state = directory.read_state()
        resumed = state is not None
        if resumed:
            _check_same_export(state, clinic, directory)
        else:
            state = {"format": FORMAT, "clinic": str(clinic.pk), "recipients": directory.recipients,
                     "started_at": (now or timezone.now()).isoformat(timespec="seconds"),
                     # The trail is exported up to the last event before this export: the export's own
                     # events come after, so a rerun writes the same audit files.
                     "audit_watermark": AuditChainHead.objects.filter(chain=chain_name(clinic.pk))
                     .values_list("last_seq", flat=True).first() or 0,
                     "export": str(export.public_id) if export else None}
            directory.begin(state)
        object_id = state.get("export") or clinic.pk
        with transaction.atomic():
            record(Action.EXPORT, object_type="clinic-handover", object_id=object_id,
                   reason="handover export resumed" if resumed else
                   f"handover export started{' (age-encrypted)' if directory.recipients else ''}")
        ctx = ExportContext(clinic, datetime.datetime.fromisoformat(state["started_at"]), state["audit_watermark"],
                            chunk_size, renderer=PdfRenderer(default_workers() if pdf_workers is None else pdf_workers))
        try:
            _run_steps(directory, ctx, steps if steps is not None else default_steps(), progress, after_file)
            sha = directory.finish({
                "clinic": {"id": str(clinic.pk), "slug": clinic.slug, "name": clinic.name},
                "created_at": state["started_at"], "generator": f"klinika {_klinika_version()}",
                "audit": {"chain": chain_name(clinic.pk), "events_up_to_seq": state["audit_watermark"]},
            })
        finally:
            ctx.renderer.close()
            directory.close()
        result = _result_from_manifest(directory.root, resumed=resumed)
        with transaction.atomic():
            record(Action.EXPORT, object_type="clinic-handover", object_id=object_id,
                   reason=f"handover export complete: {result.files} files, manifest sha256 {sha}")
    return result


def _check_same_export(state: dict, clinic: Clinic, directory: ExportDirectory) -> None:
    if state.get("format") != FORMAT or state.get("clinic") != str(clinic.pk):
        raise ExportError(f"{directory.root} holds an unfinished export of another clinic "
                          f"({state.get('clinic')}); give a new directory")
    if sorted(state.get("recipients") or []) != directory.recipients:
        raise ExportError(f"{directory.root} holds an unfinished export encrypted to "
                          f"{', '.join(state.get('recipients') or []) or 'no recipient'}: rerun with the same --to "
                          f"recipients to continue it, or give a new directory")


def _run_steps(directory: ExportDirectory, ctx: ExportContext, steps: list[Step], progress, after_file) -> None:
    done_before = directory.progress()
    directory.open_journal()
    for step in steps:
        total = step.total(ctx)
        done = [done_before.units.get(step.name, 0)]

        def tick(units: int, step=step, done=done, total=total):
            done[0] += units
            if progress is not None:
                progress(step.label, done[0], max(total, done[0]))

        ctx.advance = tick
        tick(0)
        for item in step.files(ctx, done_before.last_key.get(step.name)):
            write = directory.write_plain if item.plain else directory.write
            finished = write(item.path, item.chunks, step=step.name, key=item.key, count=item.count, units=item.units)
            if item.units:
                tick(item.units)
            if after_file is not None:
                after_file(finished)


# ---- the clinic admin's screen -----------------------------------------------------------------------

def exports_dir() -> Path:
    return Path(getattr(settings, "KLINIKA_EXPORT_DIR", None) or settings.DATA_DIR / "exports")


def start_export(user, *, recipients_text: str = "") -> HandoverExport:
    """The clinic admin asks for an export: a row, then a background task that writes it."""
    from klinika.lifecycle.handover.tasks import run_export

    require(user, "clinic.export")
    clinic = Clinic.objects.get(pk=user.clinic_id)
    try:
        check_exportable(clinic)
        recipients = parse_recipients(recipients_text.split())
    except ExportError:
        raise ValidationError({"recipients": _("Give the clinic's age public keys (each starts with "
                                               "\"age1\"), one per line, or leave the field empty.")}) from None
    with transaction.atomic():
        export = HandoverExport(requested_by=user, recipients=recipients)
        export.directory = str(exports_dir() / str(clinic.pk) / str(export.public_id))
        export.save()
        record(Action.EXPORT, object_type="clinic-handover", object_id=export.public_id,
               reason="handover export requested")
    transaction.on_commit(lambda: run_export.enqueue(str(clinic.pk), str(export.public_id)))
    return export


def run_queued_export(export_public_id: str) -> dict:
    """The task's body (in the clinic's context): the export, its row kept up to date."""
    export = HandoverExport.objects.get(public_id=export_public_id)
    if export.status == HandoverExport.Status.COMPLETE:
        return {"status": export.status}
    result = _tracked_export(export)
    if result is None:
        return {"status": "failed"}
    return {"status": "complete", "manifest_sha256": result.manifest_sha256}


def _tracked_export(export: HandoverExport, progress: Progress = None) -> ExportResult | None:
    """export_clinic with its row kept up to date (status, step, counts), for the screen. None if it
    failed (the row says why); with `progress` (the command line) the failure is raised instead."""
    rows = HandoverExport.objects.filter(pk=export.pk)
    rows.update(status=HandoverExport.Status.RUNNING, error="", updated_at=timezone.now())
    last = [0.0]

    def track(step, done, total):
        if progress is not None:
            progress(step, done, total)
        now = time.monotonic()
        if now - last[0] >= ROW_EVERY_SECONDS or done >= total:
            last[0] = now
            rows.update(step=step[:60], done=done, total=total, updated_at=timezone.now())

    try:
        result = export_clinic(export.clinic, export.directory, recipients=export.recipients, progress=track,
                               export=export)
    except Exception as exc:
        message = str(exc) if isinstance(exc, ExportError) else f"{exc.__class__.__name__}: see the worker's log"
        log_failure(logger, exc, "handover export %s failed", export.public_id)
        rows.update(status=HandoverExport.Status.FAILED, error=message[:300], finished_at=timezone.now(),
                    updated_at=timezone.now())
        if progress is not None:
            raise  # the command line reports it itself
        return None
    rows.update(status=HandoverExport.Status.COMPLETE, finished_at=timezone.now(), counts=result.counts,
                files=result.files, bytes=result.bytes, manifest_sha256=result.manifest_sha256,
                updated_at=timezone.now())
    return result


def export_from_command_line(clinic: Clinic, out, *, recipients=(), progress: Progress = None) -> ExportResult:
    """`klinika clinic export`: the same export, listed on the clinic admin's screen like one they started
    (one row per output directory: rerunning the command on it resumes that row)."""
    directory = str(Path(out).resolve())
    with clinic_context(clinic):
        check_exportable(clinic)
        recipients = parse_recipients(recipients)
        export = HandoverExport.objects.filter(directory=directory).first()
        if export is None:
            with transaction.atomic():
                export = HandoverExport.objects.create(clinic=clinic, directory=directory, recipients=recipients)
        elif export.status == HandoverExport.Status.COMPLETE:
            return export_clinic(clinic, directory, recipients=recipients)  # says it is complete already
        else:
            export.recipients = recipients  # as given now: export_clinic refuses other ones than the first run's
        return _tracked_export(export, progress=progress)


# A running export whose row has not moved for this long has lost its worker (the row is touched at
# least every ROW_EVERY_SECONDS while the export runs).
STALE_AFTER = datetime.timedelta(minutes=15)


def is_resumable(export: HandoverExport, now=None) -> bool:
    if export.status == HandoverExport.Status.FAILED:
        return True
    if export.status in (HandoverExport.Status.RUNNING, HandoverExport.Status.QUEUED):
        heard = export.updated_at or export.created_at
        return heard is not None and (now or timezone.now()) - heard > STALE_AFTER
    return False


def resume_export(user, public_id) -> HandoverExport:
    """The clinic admin restarts a failed export, or one whose worker died: it continues where it stopped
    (the export directory keeps what is finished)."""
    from django.shortcuts import get_object_or_404

    from klinika.lifecycle.handover.tasks import run_export

    require(user, "clinic.export")
    export = get_object_or_404(HandoverExport.objects, public_id=public_id)
    if not is_resumable(export):
        raise ValidationError(_("This export is running or finished; only a failed or stalled export can be "
                                "resumed."))
    with transaction.atomic():
        HandoverExport.objects.filter(pk=export.pk).update(status=HandoverExport.Status.QUEUED, error="",
                                                          updated_at=timezone.now())
        record(Action.EXPORT, object_type="clinic-handover", object_id=export.public_id,
               reason="handover export resume requested")
    transaction.on_commit(lambda: run_export.enqueue(str(export.clinic_id), str(export.public_id)))
    export.refresh_from_db()
    return export


def manifest_of(user, public_id) -> tuple[str, bytes]:
    """The manifest of one of the clinic's finished exports (plaintext, no personal data); audited."""
    from django.shortcuts import get_object_or_404

    require(user, "clinic.export")
    export = get_object_or_404(HandoverExport.objects, public_id=public_id, status=HandoverExport.Status.COMPLETE)
    body = (Path(export.directory) / "manifest.json").read_bytes()
    record(Action.EXPORT, object_type="clinic-handover", object_id=export.public_id,
           reason="handover manifest downloaded")
    return f"manifest-{export.public_id}.json", body


# ---- import -------------------------------------------------------------------------------------------

class ImportRefused(Exception):
    """Nothing was created; the message names the problem."""


@dataclass
class ImportResult:
    clinic: Clinic
    loaded: dict = field(default_factory=dict)  # resource type -> resources handed to the session
    counts: dict = field(default_factory=dict)  # what the session made, per domain kind


class _Export:
    """A verified export's files by their plaintext names, read (and decrypted) on demand."""

    def __init__(self, root: Path, manifest: dict, identities):
        self.root, self.identities = root, identities
        self.entries = {}
        for entry in manifest["files"]:
            name = entry["path"][:-len(AGE)] if entry["path"].endswith(AGE) else entry["path"]
            self.entries[name] = entry

    def chunks(self, name: str) -> Iterator[bytes]:
        entry = self.entries.get(name)
        if entry is None:
            raise ImportRefused(f"{name}: not in the export's manifest")
        digest = hashlib.sha256()
        for chunk in open_plaintext(self.root, entry["path"], self.identities):
            digest.update(chunk)
            yield chunk
        expected = entry.get("plaintext_sha256") or entry["sha256"]
        if digest.hexdigest() != expected:
            raise ImportRefused(f"{entry['path']}: its content does not match the manifest")

    def read(self, name: str) -> bytes:
        return b"".join(self.chunks(name))

    def records(self, name: str) -> Iterator[dict]:
        return jsonlines.records(self.chunks(name))


def check_import(directory, identity_text: str | None = None) -> tuple[dict, list | None]:
    """The export verifies against its manifest, and the identity opens it: checked before anything is made."""
    report = verify_export(directory)
    if not report.ok:
        raise ImportRefused(f"The export in {directory} does not verify, nothing was imported: "
                            + "; ".join(report.problems[:10])
                            + (f" (and {len(report.problems) - 10} more)" if len(report.problems) > 10 else ""))
    manifest = report.manifest
    identities = read_identities(identity_text) if identity_text else None
    encrypted = [e for e in manifest["files"] if e["path"].endswith(AGE)]
    if encrypted:
        if not identities:
            raise ImportRefused(f"The export in {directory} is age-encrypted: give the clinic's identity file "
                                f"with --identity")
        smallest = min(encrypted, key=lambda e: e["bytes"])
        try:
            plain = b"".join(open_plaintext(Path(directory), smallest["path"], identities))
        except ExportError as exc:
            raise ImportRefused(str(exc)) from None
        if hashlib.sha256(plain).hexdigest() != smallest.get("plaintext_sha256"):
            raise ImportRefused(f"{smallest['path']}: decrypts to content the manifest does not list")
    return manifest, identities


def import_clinic(directory, *, identity_text: str | None = None, slug: str | None = None,
                  session_factory=None, resource_types=None, progress: Progress = None) -> ImportResult:
    """A fresh clinic from a handover export. Verified first: a corrupted export, a wrong identity or an
    export without FHIR data creates nothing. If the FHIR import fails half-way, the half-made clinic is
    shredded (its keys destroyed) rather than left behind."""
    root = Path(directory)
    manifest, identities = check_import(root, identity_text)
    if session_factory is None or resource_types is None:
        try:
            from klinika.lifecycle.handover import fhir_step
        except ImportError:
            raise ImportRefused("This klinika has no FHIR mapping (klinika.fhir.handover): it cannot import "
                                "a handover export") from None
        session_factory = session_factory or fhir_step.import_session
        resource_types = resource_types or fhir_step.resource_types()
    export = _Export(root, manifest, identities)
    present = [t for t in resource_types if f"fhir/{t}.ndjson" in export.entries]
    if not present:
        raise ImportRefused(f"The export in {directory} holds no FHIR resources (fhir/*.ndjson): nothing to import")
    info = manifest.get("clinic") or {}
    try:
        clinic = lifecycle.create_clinic(info.get("name") or "Imported clinic", slug or info.get("slug"))
    except (lifecycle.ClinicExists, ValueError) as exc:
        raise ImportRefused(str(exc)) from None
    result = ImportResult(clinic)
    try:
        with clinic_context(clinic):
            session = session_factory(clinic, export.read)
            for number, resource_type in enumerate(present, start=1):
                records = export.records(f"fhir/{resource_type}.ndjson")
                result.loaded[resource_type] = session.load(resource_type, records)
                if progress is not None:
                    progress("FHIR resource types", number, len(present))
            result.counts = dict(session.finish())
            with transaction.atomic():
                record(Action.CREATE, object_type="clinic-handover-import", object_id=clinic.pk,
                       reason=f"imported from a handover export (manifest sha256 {_manifest_sha(root)[:16]}...)")
    except BaseException:
        lifecycle.shred_clinic(clinic, "handover import failed half-way")
        raise
    return result


def _manifest_sha(root: Path) -> str:
    return hashlib.sha256((root / "manifest.json").read_bytes()).hexdigest()
