"""What a handover export holds, step by step. Each step yields its files in a stable order with a
resume key per file, and continues after a given key: the journal's last key of a step is where a
rerun picks it up. Rows are read in keyset-paginated chunks, with the chunk's subject keys loaded in
one query and dropped after it (like klinika/testdata/export.py): memory is one chunk, whatever
the clinic's size.

    fhir/<ResourceType>.ndjson              FHIR R4, one resource a line (klinika.fhir.handover, fhir_step.py)
    documents/<kind>-<id>.pdf              every e-document (rx, ref, zla), as the patient's printout shows it
    patients/patient-<id>.pdf              each patient's signed visits, diagnoses, measurements, allergies
    attachments/<public_id>/<file name>    each attachment's original bytes
    audit/events.ndjson, audit/checkpoints.ndjson, audit/chain-key.json, README.txt
"""
import base64
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from klinika.audit import chain as chainlib
from klinika.audit.models import AuditCheckpoint, AuditEvent
from klinika.audit.services import chain_name
from klinika.crypto import keystore
from klinika.crypto.errors import DecryptionFailed, KeyDestroyed, KeyNotFound
from klinika.crypto.fields import ERASED
from klinika.edocs import printouts
from klinika.edocs.models import DocKind, Prescription, Referral, SickLeave
from klinika.lifecycle.handover.pdfworkers import PdfRenderer
from klinika.patients.models import Patient
from klinika.records import filecrypt
from klinika.records.models import Allergy, Attachment, Code, CodeSystem, Encounter, EncounterVersion, VitalSigns
from klinika.records.storage import attachment_storage
from klinika.records.validators import VITALS
from klinika.staff.models import Practitioner


@dataclass
class OutputFile:
    key: object  # JSON: where the step continues after this file
    path: str  # relative, plaintext name (".age" is added when encrypted)
    chunks: Iterable[bytes]  # produced lazily, while the step holds the chunk's keys
    count: str | None = None  # the manifest count it adds to
    plain: bool = False  # stays plaintext in an encrypted export (README.txt only)
    units: int = 1  # progress units the file counts for once written (0: its step advances while writing)


@dataclass
class ExportContext:
    clinic: object
    started_at: object  # the export's moment: every page and the manifest state it (reruns give the same bytes)
    audit_watermark: int  # the audit trail is exported up to this event (the last one before the export began)
    chunk_size: int = 200
    advance: Callable[[int], None] = lambda n: None  # noqa: E731  progress within a file (FHIR resources)
    renderer: PdfRenderer = field(default_factory=PdfRenderer)  # HTML -> PDF, inline or in worker processes
    _practitioners: dict = field(default_factory=dict)

    def practitioner(self, pk):
        """Practitioners are few: read once, their staff keys kept for the export."""
        if not self._practitioners:
            rows = list(Practitioner.objects.select_related("staff").order_by("pk"))
            keystore.load_subject_keys(self.clinic.pk, [p.staff.subject_ref for p in rows])
            self._practitioners = {p.pk: p for p in rows}
        return self._practitioners.get(pk)


class Step:
    name = ""
    label = ""

    def total(self, ctx: ExportContext) -> int:
        """How many progress units the step has (files, or resources for FHIR)."""
        raise NotImplementedError

    def files(self, ctx: ExportContext, after) -> Iterator[OutputFile]:
        raise NotImplementedError


def _erased(*values) -> bool:
    return any(v is ERASED or (isinstance(v, dict) and any(x is ERASED for x in v.values())) for v in values)


def _keyset(queryset, size: int, after_pk=None) -> Iterator[list]:
    """Rows in primary key order, a chunk at a time, each chunk one query from where the last ended."""
    while True:
        rows = queryset.filter(pk__gt=after_pk) if after_pk is not None else queryset
        rows = list(rows.order_by("pk")[:size])
        if not rows:
            return
        yield rows
        after_pk = rows[-1].pk


class _SubjectKeys:
    def __init__(self, clinic_id, refs):
        self.clinic_id, self.refs = clinic_id, [r for r in set(refs) if r is not None]

    def __enter__(self):
        keystore.load_subject_keys(self.clinic_id, self.refs)

    def __exit__(self, *exc):
        keystore.forget_subject_keys(self.clinic_id, self.refs)


def _lazy(function, *args, **kwargs) -> Iterator[bytes]:
    yield function(*args, **kwargs)


def _result(future) -> Iterator[bytes]:
    yield future.result()


# ---- e-documents ------------------------------------------------------------------------------------

DOCUMENT_MODELS = ((DocKind.PRESCRIPTION, Prescription), (DocKind.REFERRAL, Referral), (DocKind.SICK_LEAVE, SickLeave))


class DocumentsStep(Step):
    name, label = "documents", "e-documents (PDF)"

    def total(self, ctx):
        return sum(model.objects.count() for _kind, model in DOCUMENT_MODELS)

    def files(self, ctx, after):
        kinds = [str(kind) for kind, _model in DOCUMENT_MODELS]
        start = kinds.index(after[0]) if after else 0
        for kind, model in DOCUMENT_MODELS[start:]:
            related = ["patient", "practitioner__staff", "clinic"]
            if kind == DocKind.PRESCRIPTION:
                related.append("package")
            rows = model.objects.select_related(*related)
            after_pk = after[1] if after and after[0] == str(kind) else None
            for chunk in _keyset(rows, ctx.chunk_size, after_pk):
                refs = [d.patient.subject_ref for d in chunk] + [d.practitioner.staff.subject_ref for d in chunk]
                with _SubjectKeys(ctx.clinic.pk, refs):
                    # A crypto-erased patient's documents are left out: nothing of theirs is readable.
                    pdfs = [(document, ctx.renderer.submit(printouts.render_html(
                        kind, [document], printed_at=ctx.started_at, as_recorded=True)))
                        for document in chunk if not _erased(document.content, document.patient.first_name)]
                for document, pdf in pdfs:
                    yield OutputFile([str(kind), document.pk], f"documents/{kind}-{document.pk}.pdf",
                                     _result(pdf), "documents")


# ---- each patient's visit history -----------------------------------------------------------------------

def _vital_values(values: dict) -> list[tuple[str, str]]:
    shown = []
    if values.get("bp_systolic") is not None and values.get("bp_diastolic") is not None:
        shown.append((gettext("Blood pressure"), f"{values['bp_systolic']}/{values['bp_diastolic']} mmHg"))
    for name, (_low, _high, _decimals, label, unit) in VITALS.items():
        if name in ("bp_systolic", "bp_diastolic") and ("bp_systolic" in values and "bp_diastolic" in values):
            continue
        if values.get(name) is not None:
            shown.append((str(label), f"{values[name]}{unit}"))
    if values.get("bmi") is not None:
        shown.append(("BMI", str(values["bmi"])))
    return shown


class PatientsStep(Step):
    name, label = "patients", "visit histories (PDF)"

    def total(self, ctx):
        return Patient.objects.filter(merged_into__isnull=True).count()

    def files(self, ctx, after):
        rows = Patient.objects.filter(merged_into__isnull=True)
        names = _CodeNames()
        for chunk in _keyset(rows, ctx.chunk_size, after):
            with _SubjectKeys(ctx.clinic.pk, [p.subject_ref for p in chunk]):
                history = self._history([p.pk for p in chunk], ctx, names)
                pdfs = [(patient, ctx.renderer.submit(self._html(ctx, patient, history.get(patient.pk, {}))))
                        for patient in chunk if not _erased(patient.first_name, patient.last_name)]
            for patient, pdf in pdfs:
                yield OutputFile(patient.pk, f"patients/patient-{patient.pk}.pdf", _result(pdf), "patients")

    def _history(self, pks, ctx, names) -> dict:
        """patient pk -> visits, allergies, measurements, attachment paths: four queries a chunk."""
        out: dict = {pk: {"visits": [], "allergies": [], "measurements": [], "attachments": []} for pk in pks}
        latest: dict = {}
        versions = (EncounterVersion.objects.filter(encounter__patient_id__in=pks, signed_at__isnull=False,
                                                    encounter__status=Encounter.Status.SIGNED)
                    .order_by("encounter_id", "number")
                    .values_list("encounter_id", "number", "content", "signed_at"))
        for encounter_id, number, content, signed_at in versions:
            latest[encounter_id] = (number, content, signed_at)  # by number: the last signed one stands
        encounters = (Encounter.objects.filter(pk__in=list(latest)).order_by("patient_id", "started_at", "pk")
                      .values_list("pk", "patient_id", "practitioner_id", "started_at"))
        for pk, patient_id, practitioner_id, started_at in encounters:
            number, content, signed_at = latest[pk]
            if not isinstance(content, dict):
                continue
            out[patient_id]["visits"].append({
                "started_at": started_at, "signed_at": signed_at, "version": number, "content": content,
                "practitioner": ctx.practitioner(practitioner_id) or "",
                "diagnoses": [{**d, "name": d.get("name") or names.icd10(d.get("code"))}
                              for d in content.get("diagnoses") or () if isinstance(d, dict)],
                "procedures": [{**p, "name": p.get("name") or names.icd9(p.get("code"))}
                               for p in content.get("procedures") or () if isinstance(p, dict)]})
        for allergy in Allergy.objects.filter(patient_id__in=pks).order_by("patient_id", "recorded_at", "pk"):
            if not _erased(allergy.substance):
                out[allergy.patient_id]["allergies"].append(allergy)
        vitals = (VitalSigns.objects.filter(patient_id__in=pks, superseded_by__isnull=True)
                  .order_by("patient_id", "recorded_at", "pk").values_list("patient_id", "values", "recorded_at"))
        for patient_id, values, recorded_at in vitals:
            if isinstance(values, dict):
                out[patient_id]["measurements"].append({"recorded_at": recorded_at, "values": _vital_values(values)})
        for attachment in Attachment.objects.filter(patient_id__in=pks).order_by("patient_id", "pk"):
            if not _erased(attachment.original_name):
                out[attachment.patient_id]["attachments"].append(attachment_path(attachment))
        return out

    def _html(self, ctx, patient, history) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return render_to_string("lifecycle/handover/visit_history.html", {
                "clinic": ctx.clinic, "patient": patient, "exported_at": timezone.localtime(ctx.started_at),
                "visits": history.get("visits", []), "allergies": history.get("allergies", []),
                "measurements": history.get("measurements", []), "attachments": history.get("attachments", [])})


class _CodeNames:
    """Names of ICD codes a visit record holds by code only, looked up once per code."""

    def __init__(self):
        self.known: dict = {}

    def _name(self, system, code) -> str:
        if not code:
            return ""
        if (system, code) not in self.known:
            # The clinic's licensed dictionary, where it has the code, before the built-in list.
            self.known[(system, code)] = (Code.objects.filter(system=system, code=code)
                                          .order_by(F("clinic_id").asc(nulls_last=True))
                                          .values_list("name", flat=True).first() or "")
        return self.known[(system, code)]

    def icd10(self, code):
        return self._name(CodeSystem.ICD10, code)

    def icd9(self, code):
        return self._name(CodeSystem.ICD9PL, code)


# ---- attachments ---------------------------------------------------------------------------------------

def attachment_path(attachment) -> str:
    """Contract A's path of an attachment in the export: the one its DocumentReference points to."""
    from klinika.fhir.handover import attachment_path as fhir_path

    return fhir_path(attachment)


class AttachmentsStep(Step):
    name, label = "attachments", "attachments"

    def __init__(self, path_of: Callable = attachment_path):
        self.path_of = path_of

    def total(self, ctx):
        return Attachment.objects.count()

    def files(self, ctx, after):
        storage = attachment_storage()
        for chunk in _keyset(Attachment.objects.select_related("patient"), ctx.chunk_size, after):
            with _SubjectKeys(ctx.clinic.pk, [a.patient.subject_ref for a in chunk]):
                for attachment in chunk:
                    if _erased(attachment.original_name):
                        continue
                    stream = self._decrypted(storage, attachment)
                    try:
                        first = next(stream)
                    except (KeyDestroyed, KeyNotFound):
                        continue
                    except StopIteration:
                        first = b""
                    yield OutputFile(attachment.pk, self.path_of(attachment), _prepend(first, stream), "attachments")

    @staticmethod
    def _decrypted(storage, attachment) -> Iterator[bytes]:
        try:
            with storage.open(attachment.storage_name, "rb") as handle:
                yield from filecrypt.decrypt(handle.chunks(), clinic_id=attachment.clinic_id,
                                             public_id=attachment.public_id)
        except (FileNotFoundError, DecryptionFailed) as exc:
            raise RuntimeError(f"attachment {attachment.public_id}: its stored file is missing or damaged "
                               f"({exc.__class__.__name__}); restore it from the backup of the attachment storage "
                               f"and run the export again") from None


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


# ---- the audit trail -----------------------------------------------------------------------------------

def _event_line(event) -> bytes:
    canonical = chainlib.canonical(event).decode()
    return json.dumps({"seq": event.seq, "link_version": event.link_version, "prev_hash": event.prev_hash,
                       "hash": event.hash, "canonical": canonical, "event": json.loads(canonical)},
                      ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class AuditStep(Step):
    """The clinic's chain up to the watermark, its signed checkpoints with the public keys that verify
    them, the chain's HMAC key (the clinic's own: without it the links cannot be recomputed), and the
    README that says how to check all of it without klinika."""

    name, label = "audit", "audit trail"
    FILES = ("events", "checkpoints", "chain-key", "readme")

    def total(self, ctx):
        return len(self.FILES)

    def files(self, ctx, after):
        todo = self.FILES[self.FILES.index(after) + 1:] if after else self.FILES
        chain = chain_name(ctx.clinic.pk)
        for what in todo:
            if what == "events":
                yield OutputFile(what, "audit/events.ndjson", self._events(chain, ctx), "audit_events")
            elif what == "checkpoints":
                yield OutputFile(what, "audit/checkpoints.ndjson", self._checkpoints(chain, ctx), "audit_checkpoints")
            elif what == "chain-key":
                yield OutputFile(what, "audit/chain-key.json", _lazy(self._chain_key, chain, ctx))
            else:
                yield OutputFile(what, "README.txt", [readme_text().encode()], plain=True)

    def _events(self, chain, ctx) -> Iterator[bytes]:
        events = AuditEvent.objects.filter(chain=chain, seq__lte=ctx.audit_watermark).order_by("seq")
        batch = []
        for event in events.iterator(chunk_size=2000):
            batch.append(_event_line(event))
            if len(batch) >= 2000:
                yield b"".join(batch)
                batch = []
        if batch:
            yield b"".join(batch)

    def _checkpoints(self, chain, ctx) -> Iterator[bytes]:
        public = keystore.signing_public_keys(ctx.clinic.pk)
        for cp in AuditCheckpoint.objects.filter(chain=chain, seq__lte=ctx.audit_watermark).order_by("seq", "at"):
            key = public.get(cp.key_id)
            yield json.dumps({
                "chain": cp.chain, "seq": cp.seq, "head_hash": cp.head_hash,
                "at": cp.at.isoformat(timespec="microseconds"), "key_id": str(cp.key_id),
                "message": chainlib.checkpoint_message(cp.chain, cp.seq, cp.head_hash, cp.at).decode(),
                "signature": base64.b64encode(bytes(cp.signature)).decode(),
                "public_key": base64.b64encode(key).decode() if key else None,
            }, separators=(",", ":")).encode() + b"\n"

    def _chain_key(self, chain, ctx) -> bytes:
        start = keystore.keyed_links_recorded(chain)
        try:
            key = keystore.clinic_key(ctx.clinic.pk, keystore.Purpose.AUDIT)
            material = base64.b64encode(key.material).decode()
        except (KeyNotFound, KeyDestroyed):
            material = None
        return json.dumps({
            "chain": chain, "algorithm": "HMAC-SHA256", "key": material,
            "keyed_from": start.keyed_from if start else None,
            "unkeyed_head_hash": start.head_hash if start else None,
            "public_keys": {str(k): base64.b64encode(v).decode()
                            for k, v in sorted(keystore.signing_public_keys(ctx.clinic.pk).items())},
        }, indent=1, sort_keys=True).encode() + b"\n"


def readme_text() -> str:
    return render_to_string("lifecycle/handover/README.txt")


def default_steps() -> list[Step]:
    """The steps of an export, in order. The FHIR step comes first once klinika.fhir.handover
    (Contract A) is installed; until then an export holds everything else."""
    import importlib.util

    steps: list[Step] = []
    if importlib.util.find_spec("klinika.fhir") is not None and importlib.util.find_spec(
            "klinika.fhir.handover") is not None:
        from klinika.lifecycle.handover.fhir_step import FhirStep, contract_attachment_path

        steps.append(FhirStep())
        attachments = AttachmentsStep(contract_attachment_path())
    else:
        attachments = AttachmentsStep()
    return [*steps, DocumentsStep(), PatientsStep(), attachments, AuditStep()]
