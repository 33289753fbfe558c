"""A visit <-> FHIR Encounter, with the content of its latest signed version (a draft: its current one).

Standard elements: status (signed: finished; draft: in-progress), class (ambulatory), subject,
participant (the PractitionerRole), appointment, period.start, diagnosis (references to the
visit's Conditions, the main one ranked 1).
Extensions (R4's Encounter has no place for a visit's written content or its signing): the
interview, the examination and the recommendations, when it was signed, and the version shown
(number, when written, author, signer, amendment reason). The visit's diagnoses and procedures are
Condition and Procedure resources (mappers/condition.py, mappers/procedure.py).
"""
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.encounter import Encounter as FhirEncounter
from fhir.resources.R4B.encounter import EncounterDiagnosis, EncounterParticipant
from fhir.resources.R4B.period import Period

from klinika.fhir.common import (
    aware,
    ext,
    ext_group,
    ext_value,
    fid,
    find_ext,
    part_value,
    ref,
    ref_id,
    text,
    user_ref,
)

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
STATUS = {"signed": "finished", "draft": "in-progress"}
FROM_STATUS = {v: k for k, v in STATUS.items()}
TEXTS = ("interview", "examination", "recommendations")


def shown_version(encounter):
    """The latest signed version, or the current one of a visit never signed."""
    signed = encounter.versions.filter(signed_at__isnull=False).order_by("-number").first()
    return signed or encounter.current


def diagnosis_id(encounter_id, index: int) -> str:
    return f"{encounter_id}-d{index}"


def procedure_id(encounter_id, index: int) -> str:
    return f"{encounter_id}-p{index}"


def _content(version) -> dict:
    content = version.content if version is not None and isinstance(version.content, dict) else {}
    return content


def to_fhir(encounter, *, version=None, people=None) -> FhirEncounter:
    version = shown_version(encounter) if version is None else version
    content = _content(version)
    diagnoses = [EncounterDiagnosis(condition=ref("Condition", diagnosis_id(encounter.pk, i)),
                                    rank=1 if d.get("main") else None)
                 for i, d in enumerate(content.get("diagnoses") or [])]
    written = [e for name in TEXTS for e in ext(name, valueString=text(content.get(name)))]
    shown = ext_group("version", (ext("number", valuePositiveInt=version.number)
                                  + ext("written-at", valueDateTime=aware(version.created_at))
                                  + ext("author", valueReference=user_ref(version.author_id, people))
                                  + ext("signed-by", valueReference=user_ref(version.signed_by_id, people))
                                  + ext("amendment-reason", valueString=text(version.amendment_reason)))
                      ) if version is not None else []
    return FhirEncounter(
        id=fid(encounter.pk), status=STATUS[encounter.status],
        class_fhir=Coding(system=ACT_CODE, code="AMB", display="ambulatory"),
        subject=ref("Patient", fid(encounter.patient_id)),
        participant=[EncounterParticipant(individual=ref("PractitionerRole", fid(encounter.practitioner_id)))],
        appointment=[ref("Appointment", fid(encounter.appointment_id))] if encounter.appointment_id else None,
        period=Period(start=aware(encounter.started_at)), diagnosis=diagnoses or None,
        extension=(written + ext("signed-at", valueDateTime=aware(encounter.signed_at)) + shown) or None)


def values(encounter, *, version=None, people=None) -> dict:
    version = shown_version(encounter) if version is None else version
    content = _content(version)
    return {"id": fid(encounter.pk), "patient": fid(encounter.patient_id),
            "practitioner": fid(encounter.practitioner_id), "appointment": fid(encounter.appointment_id),
            "started_at": aware(encounter.started_at), "status": encounter.status,
            "signed_at": aware(encounter.signed_at),
            **{name: text(content.get(name)) for name in TEXTS},
            "diagnoses": [{"condition": diagnosis_id(encounter.pk, i), "main": bool(d.get("main"))}
                          for i, d in enumerate(content.get("diagnoses") or [])],
            "version": None if version is None else {
                "number": version.number, "written_at": aware(version.created_at),
                "author": ref_id(user_ref(version.author_id, people)),
                "signed_by": ref_id(user_ref(version.signed_by_id, people)),
                "amendment_reason": text(version.amendment_reason)}}


def from_fhir(resource: FhirEncounter) -> dict:
    groups = find_ext(resource, "version")
    version = None
    if groups:
        g = groups[0]
        version = {"number": part_value(g, "number", "valuePositiveInt"),
                   "written_at": aware(part_value(g, "written-at", "valueDateTime")),
                   "author": ref_id(part_value(g, "author", "valueReference")),
                   "signed_by": ref_id(part_value(g, "signed-by", "valueReference")),
                   "amendment_reason": part_value(g, "amendment-reason", "valueString", "")}
    return {"id": resource.id, "patient": ref_id(resource.subject, "Patient"),
            "practitioner": ref_id((resource.participant or [EncounterParticipant()])[0].individual,
                                   "PractitionerRole"),
            "appointment": ref_id((resource.appointment or [None])[0], "Appointment"),
            "started_at": aware(resource.period.start) if resource.period else None,
            "status": FROM_STATUS[resource.status],
            "signed_at": aware(ext_value(resource, "signed-at", "valueDateTime")),
            **{name: ext_value(resource, name, "valueString", "") for name in TEXTS},
            "diagnoses": [{"condition": ref_id(d.condition, "Condition"), "main": d.rank == 1}
                          for d in resource.diagnosis or []],
            "version": version}
