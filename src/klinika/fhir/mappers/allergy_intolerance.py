"""Allergy <-> FHIR AllergyIntolerance: code.text (the substance, as written), reaction
(manifestation as written, severity mild/moderate/severe: the same codes), clinicalStatus
(active/inactive), patient, recorder, recordedDate. Extension: the severity when no reaction is
written (R4 keeps severity inside a reaction, which needs a manifestation)."""
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance, AllergyIntoleranceReaction

from klinika.fhir.common import aware, code_of, concept, ext, ext_value, fid, ref, ref_id, text, user_ref

CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"


def to_fhir(allergy, *, people=None) -> AllergyIntolerance:
    reaction = text(allergy.reaction)
    reactions = [AllergyIntoleranceReaction(manifestation=[concept(text=reaction)],
                                            severity=allergy.severity or None)] if reaction else None
    return AllergyIntolerance(
        id=fid(allergy.pk), patient=ref("Patient", fid(allergy.patient_id)), code=concept(text=text(allergy.substance)),
        clinicalStatus=concept(CLINICAL, "active" if allergy.is_active else "inactive"), reaction=reactions,
        recorder=user_ref(allergy.recorded_by_id, people), recordedDate=aware(allergy.recorded_at),
        extension=ext("severity", valueCode=allergy.severity if not reaction and allergy.severity else None) or None)


def values(allergy, *, people=None) -> dict:
    return {"id": fid(allergy.pk), "patient": fid(allergy.patient_id), "substance": text(allergy.substance),
            "reaction": text(allergy.reaction), "severity": allergy.severity or "", "is_active": allergy.is_active,
            "recorded_by": ref_id(user_ref(allergy.recorded_by_id, people)), "recorded_at": aware(allergy.recorded_at)}


def from_fhir(resource: AllergyIntolerance) -> dict:
    reaction = (resource.reaction or [None])[0]
    return {"id": resource.id, "patient": ref_id(resource.patient, "Patient"),
            "substance": resource.code.text if resource.code else "",
            "reaction": reaction.manifestation[0].text or "" if reaction else "",
            "severity": (reaction.severity or "") if reaction else ext_value(resource, "severity", "valueCode", ""),
            "is_active": code_of(resource.clinicalStatus, CLINICAL) != "inactive",
            "recorded_by": ref_id(resource.recorder, "Practitioner"), "recorded_at": aware(resource.recordedDate)}
