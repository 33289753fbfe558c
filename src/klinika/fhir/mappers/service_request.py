"""An e-referral <-> FHIR ServiceRequest.

Standard elements: identifier (the referral number), status, intent order, category (the
referral kind: 02.10 test or treatment, 02.11 consultation, 02.12 hospital), orderDetail (the
ICD-9-PL procedures), reasonCode (the ICD-10 diagnosis), note (the purpose), priority (stat when
"cito"), performerType (the specialty to consult, national list), subject, encounter, requester,
authoredOn. Extensions: the tests already done, and edocument.py's.
"""
from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.servicerequest import ServiceRequest

from klinika.fhir.common import (
    ICD9PL,
    ICD10,
    SPECIALTY,
    aware,
    code_of,
    code_system,
    concept,
    ext,
    ext_value,
    fid,
    identifier,
    ref,
    ref_id,
)
from klinika.fhir.mappers.edocument import (
    NUMBER,
    REQUEST_STATUS,
    common_extensions,
    common_from,
    common_values,
    issued_on,
)

KIND = code_system("referral-kind")


def to_fhir(referral) -> ServiceRequest:
    content = referral.content if isinstance(referral.content, dict) else {}
    return ServiceRequest(
        id=fid(referral.pk), status=REQUEST_STATUS[referral.status], intent="order",
        identifier=[identifier(NUMBER["ref"], referral.number)],
        category=[concept(KIND, content.get("kind"))] if content.get("kind") else None,
        orderDetail=[concept(ICD9PL, code) for code in content.get("icd9") or []] or None,
        reasonCode=[concept(ICD10, content.get("icd10"))] if content.get("icd10") else None,
        note=[Annotation(text=content["purpose"])] if content.get("purpose") else None,
        priority="stat" if content.get("cito") else "routine",
        performerType=concept(SPECIALTY, content.get("target_specialty")) if content.get("target_specialty") else None,
        subject=ref("Patient", fid(referral.patient_id)), encounter=ref("Encounter", fid(referral.encounter_id)),
        requester=ref("PractitionerRole", fid(referral.practitioner_id)),
        authoredOn=aware(referral.signed_at or referral.created_at),
        extension=(ext("tests-done", valueString=content.get("tests_done")) + common_extensions(referral)) or None)


def values(referral) -> dict:
    return {**common_values(referral), "content": referral.content}


def from_fhir(resource: ServiceRequest) -> dict:
    content = {"kind": code_of((resource.category or [None])[0], KIND),
               "icd10": code_of((resource.reasonCode or [None])[0], ICD10),
               "icd9": [code_of(d, ICD9PL) for d in resource.orderDetail or []],
               "purpose": resource.note[0].text if resource.note else "",
               "tests_done": ext_value(resource, "tests-done", "valueString", ""),
               "cito": resource.priority == "stat", "target_specialty": code_of(resource.performerType, SPECIALTY),
               "issued_on": issued_on(resource)}
    return {**common_from(resource, "ref"), "patient": ref_id(resource.subject, "Patient"),
            "practitioner": ref_id(resource.requester, "PractitionerRole"),
            "encounter": ref_id(resource.encounter, "Encounter"), "content": content}
