"""An e-prescription (one drug of a package) <-> FHIR MedicationRequest.

Standard elements: identifier (the prescription number), groupIdentifier (the package), status,
intent order, medicationCodeableConcept (the drug's name, its GTIN when known), subject,
encounter, requester (PractitionerRole), authoredOn (signed, else created), dosageInstruction
text, dispenseRequest (quantity in packs, validity start, supply duration in days),
substitution (allowed unless "no substitution").
Extensions (Polish prescription fields R4 has no element for): the drug's strength, form, pack
size, built-in list id and category (antibiotic, immunological), payment level, entitlement,
prescription kind (ordinary, pro auctore, pro familiae), validity in days, and edocument.py's.
"""
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.duration import Duration
from fhir.resources.R4B.medicationrequest import (
    MedicationRequest,
    MedicationRequestDispenseRequest,
    MedicationRequestSubstitution,
)
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.quantity import Quantity

from klinika.fhir.common import (
    GTIN,
    UCUM,
    as_date,
    aware,
    code_of,
    concept,
    ext,
    ext_value,
    fid,
    identifier,
    naming_system,
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

PACKAGE = naming_system("prescription-package")
DRUG_PARTS = ("strength", "form", "pack_size")


def to_fhir(prescription) -> MedicationRequest:
    content = prescription.content if isinstance(prescription.content, dict) else {}
    drug = content.get("drug") or {}
    supply = content.get("supply_days")
    return MedicationRequest(
        id=fid(prescription.pk), status=REQUEST_STATUS[prescription.status], intent="order",
        identifier=[identifier(NUMBER["rx"], prescription.number)],
        groupIdentifier=identifier(PACKAGE, fid(prescription.package_id)),
        medicationCodeableConcept=concept(GTIN if drug.get("gtin") else None, drug.get("gtin") or None,
                                          drug.get("name"), text=drug.get("name")),
        subject=ref("Patient", fid(prescription.patient_id)),
        encounter=ref("Encounter", fid(prescription.encounter_id)),
        requester=ref("PractitionerRole", fid(prescription.practitioner_id)),
        authoredOn=aware(prescription.signed_at or prescription.created_at),
        dosageInstruction=[Dosage(text=content["dosage"])] if content.get("dosage") else None,
        dispenseRequest=MedicationRequestDispenseRequest(
            quantity=Quantity(value=content["quantity"], unit="op.") if content.get("quantity") is not None else None,
            validityPeriod=Period(start=as_date(content.get("valid_from"))) if content.get("valid_from") else None,
            expectedSupplyDuration=Duration(value=supply, unit="d", system=UCUM, code="d") if supply else None),
        substitution=MedicationRequestSubstitution(allowedBoolean=not content.get("no_substitution")),
        extension=([e for part in DRUG_PARTS for e in ext(f"drug-{part.replace('_', '-')}", valueString=drug.get(part))]
                   + ext("drug-builtin-id", valueInteger=drug.get("builtin_id"))
                   + ext("drug-category", valueCode=content.get("category"))
                   + ext("payment-level", valueString=content.get("payment_level"))
                   + ext("entitlement", valueString=content.get("entitlement"))
                   + ext("prescription-kind", valueCode=content.get("kind"))
                   + ext("validity-days", valueInteger=content.get("validity_days"))
                   + common_extensions(prescription)) or None)


def values(prescription) -> dict:
    return {**common_values(prescription), "package": fid(prescription.package_id),
            "content": prescription.content}


def from_fhir(resource: MedicationRequest) -> dict:
    medication = resource.medicationCodeableConcept
    dispense = resource.dispenseRequest or MedicationRequestDispenseRequest()
    drug = {"name": medication.text or "" if medication else "",
            **{part: ext_value(resource, f"drug-{part.replace('_', '-')}", "valueString", "") for part in DRUG_PARTS},
            "gtin": code_of(medication, GTIN)}
    builtin = ext_value(resource, "drug-builtin-id", "valueInteger")
    if builtin is not None:
        drug["builtin_id"] = builtin
    supply = dispense.expectedSupplyDuration
    content = {
        "drug": drug, "category": ext_value(resource, "drug-category", "valueCode", ""),
        "dosage": resource.dosageInstruction[0].text if resource.dosageInstruction else "",
        "quantity": int(dispense.quantity.value) if dispense.quantity else None,
        "payment_level": ext_value(resource, "payment-level", "valueString", ""),
        "entitlement": ext_value(resource, "entitlement", "valueString", ""),
        "kind": ext_value(resource, "prescription-kind", "valueCode", ""),
        "no_substitution": not (resource.substitution.allowedBoolean if resource.substitution else True),
        "valid_from": as_date(dispense.validityPeriod.start).isoformat()
        if dispense.validityPeriod and dispense.validityPeriod.start else None,
        "validity_days": ext_value(resource, "validity-days", "valueInteger"),
        "supply_days": int(supply.value) if supply else None, "issued_on": issued_on(resource)}
    return {**common_from(resource, "rx"), "patient": ref_id(resource.subject, "Patient"),
            "practitioner": ref_id(resource.requester, "PractitionerRole"),
            "encounter": ref_id(resource.encounter, "Encounter"),
            "package": resource.groupIdentifier.value if resource.groupIdentifier else None, "content": content}
