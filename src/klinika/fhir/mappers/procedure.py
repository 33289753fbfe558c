"""A procedure of a visit (ICD-9-PL, an entry of its content) <-> FHIR Procedure: code with its name,
status completed, subject, encounter, performedDateTime (when the visit began). No extensions.
Id: "<visit>-p<position>"."""
from fhir.resources.R4B.procedure import Procedure

from klinika.fhir.common import ICD9PL, aware, code_of, concept, display_of, fid, ref, ref_id
from klinika.fhir.mappers.encounter import procedure_id


def to_fhir(encounter, index: int, entry: dict) -> Procedure:
    return Procedure(id=procedure_id(encounter.pk, index), status="completed",
                     subject=ref("Patient", fid(encounter.patient_id)), encounter=ref("Encounter", fid(encounter.pk)),
                     code=concept(ICD9PL, entry.get("code"), entry.get("name")),
                     performedDateTime=aware(encounter.started_at))


def values(encounter, index: int, entry: dict) -> dict:
    return {"id": procedure_id(encounter.pk, index), "patient": fid(encounter.patient_id),
            "encounter": fid(encounter.pk), "code": entry.get("code") or "", "name": entry.get("name") or ""}


def from_fhir(resource: Procedure) -> dict:
    return {"id": resource.id, "patient": ref_id(resource.subject, "Patient"),
            "encounter": ref_id(resource.encounter, "Encounter"), "code": code_of(resource.code, ICD9PL),
            "name": display_of(resource.code, ICD9PL)}
