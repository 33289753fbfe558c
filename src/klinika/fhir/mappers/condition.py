"""A diagnosis of a visit (an entry of its content) <-> FHIR Condition: code (ICD-10 with its name),
category encounter-diagnosis, subject, encounter, recordedDate (when the visit began).
Extension: whether it is the visit's main diagnosis (also the Encounter's diagnosis rank 1), so a
Condition read alone says it. Id: "<visit>-d<position>"."""
from fhir.resources.R4B.condition import Condition

from klinika.fhir.common import ICD10, aware, code_of, concept, display_of, ext, ext_value, fid, ref, ref_id
from klinika.fhir.mappers.encounter import diagnosis_id

CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def to_fhir(encounter, index: int, entry: dict) -> Condition:
    return Condition(
        id=diagnosis_id(encounter.pk, index), subject=ref("Patient", fid(encounter.patient_id)),
        encounter=ref("Encounter", fid(encounter.pk)), code=concept(ICD10, entry.get("code"), entry.get("name")),
        category=[concept(CATEGORY, "encounter-diagnosis")],
        verificationStatus=concept(VERIFICATION, "confirmed"), recordedDate=aware(encounter.started_at),
        extension=ext("main-diagnosis", valueBoolean=True if entry.get("main") else None) or None)


def values(encounter, index: int, entry: dict) -> dict:
    return {"id": diagnosis_id(encounter.pk, index), "patient": fid(encounter.patient_id),
            "encounter": fid(encounter.pk), "code": entry.get("code") or "", "name": entry.get("name") or "",
            "main": bool(entry.get("main"))}


def from_fhir(resource: Condition) -> dict:
    return {"id": resource.id, "patient": ref_id(resource.subject, "Patient"),
            "encounter": ref_id(resource.encounter, "Encounter"), "code": code_of(resource.code, ICD10),
            "name": display_of(resource.code, ICD10), "main": bool(ext_value(resource, "main-diagnosis",
                                                                              "valueBoolean", False))}
