"""The FHIR part of the handover, through Contract A (klinika/fhir/handover.py, built by the fhir
part of issue 10): `fhir/<ResourceType>.ndjson`, one resource a line, each `resource.json()`.

Imported only when klinika.fhir.handover exists (steps.default_steps); a file is one resource
type, so a rerun after a crash writes the unfinished type again from its start.
"""
from collections.abc import Iterator

from klinika.fhir import handover as fhir
from klinika.lifecycle.handover.steps import ExportContext, OutputFile, Step

PROGRESS_EVERY = 500


class FhirStep(Step):
    name, label = "fhir", "FHIR resources"

    def total(self, ctx: ExportContext) -> int:
        return sum(fhir.count(resource_type, audit_until=ctx.audit_watermark)
                   for resource_type in fhir.RESOURCE_TYPES)

    def files(self, ctx: ExportContext, after) -> Iterator[OutputFile]:
        types = list(fhir.RESOURCE_TYPES)
        for resource_type in types[types.index(after) + 1:] if after else types:
            yield OutputFile(resource_type, f"fhir/{resource_type}.ndjson", ndjson(resource_type, ctx),
                             resource_type, units=0)


def ndjson(resource_type: str, ctx: ExportContext, chunk_size: int = 500) -> Iterator[bytes]:
    """The lines of one resource type, joined a few hundred at a time."""
    lines, pending = [], 0
    # The audit events stop where the audit step's do: the chain as it stood when the export began.
    for _resume_key, resource in fhir.iter_resources(resource_type, chunk_size=chunk_size,
                                                     audit_until=ctx.audit_watermark):
        lines.append(resource.model_dump_json().encode() + b"\n")
        pending += 1
        if pending >= PROGRESS_EVERY:
            yield b"".join(lines)
            ctx.advance(pending)
            lines, pending = [], 0
    if lines:
        yield b"".join(lines)
        ctx.advance(pending)


def contract_attachment_path():
    return fhir.attachment_path


def import_session(clinic, read_attachment):
    return fhir.ImportSession(clinic, read_attachment)


def resource_types() -> tuple[str, ...]:
    return tuple(fhir.RESOURCE_TYPES)
