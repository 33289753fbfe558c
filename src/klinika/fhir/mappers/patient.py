"""Patient <-> FHIR Patient.

Standard elements: identifier (PESEL under the national OID; an identity document under klinika's
naming system, typed by HL7 v2-0203 and klinika's document types; former identifiers with use
"old" and their period), name, gender, birthDate, address, telecom, active.
Extensions (no element in R4): a PESEL that is the mother's (newborn), the document's issuing
country, address parts (street, building, apartment, which Polish addresses keep apart), the
note of a former identifier, and the legal guardian (a reference to another Patient and the
relation: R4's Patient.contact cannot reference a Patient).
Contact consents are the Consent resource's (mappers/consent.py).
"""
from fhir.resources.R4B.address import Address
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.period import Period

from klinika.fhir.common import (
    PESEL,
    V2_IDENTIFIER_TYPE,
    as_date,
    aware,
    code_of,
    code_system,
    ext,
    ext_group,
    ext_value,
    fid,
    find_ext,
    identifier,
    naming_system,
    part_value,
    ref,
    ref_id,
    text,
)
from klinika.patients.models import DocumentType, IdentifierKind

DOCUMENT = naming_system("identity-document")
DOCUMENT_TYPE = code_system("document-type")
# HL7 v2-0203 identifier types for klinika's document types (an ID card is a citizenship card there).
V2_TYPE = {DocumentType.ID_CARD: "CZ", DocumentType.PASSPORT: "PPN", DocumentType.RESIDENCE_CARD: "PRC",
           DocumentType.OTHER: "PN"}
GENDER = {"F": "female", "M": "male"}
SEX = {v: k for k, v in GENDER.items()}
ADDRESS_PARTS = ("street", "building", "apartment")


def _document_identifier(document_type, number, country, *, use="official", period=None, note=""):
    return identifier(
        DOCUMENT, number, use=use, period=period,
        type=_document_type_concept(document_type) if document_type else None,
        extension=ext("document-country", valueString=country) + ext("identifier-note", valueCode=note) or None)


def _document_type_concept(document_type):
    return CodeableConcept(coding=[Coding(system=DOCUMENT_TYPE, code=document_type),
                                   Coding(system=V2_IDENTIFIER_TYPE, code=V2_TYPE.get(document_type, "PN"))])


def _address(address) -> list[Address]:
    if not isinstance(address, dict) or not any(address.get(k) for k in ("street", "building", "apartment",
                                                                         "postal_code", "city")):
        return []
    street, building, apartment = (text(address.get(k)) for k in ADDRESS_PARTS)
    line = " ".join(filter(None, [street, building + (f"/{apartment}" if apartment else "")]))
    parts = [e for k in ADDRESS_PARTS for e in ext(f"address-{k}", valueString=text(address.get(k)))]
    return [Address(use="home", line=[line] if line else None, city=text(address.get("city")) or None,
                    postalCode=text(address.get("postal_code")) or None,
                    country=text(address.get("country")) or None, extension=parts or None)]


def former_identifiers(patient) -> list:
    return list(patient.identifiers.filter(replaced_at__isnull=False).order_by("pk"))


def to_fhir(patient, *, former=None) -> FhirPatient:
    """`former`: the patient's replaced identifiers (PatientIdentifier rows), when read in bulk."""
    former = former_identifiers(patient) if former is None else former
    identifiers = []
    if text(patient.pesel):
        identifiers.append(identifier(PESEL, patient.pesel, use="official",
                                      extension=ext("pesel-is-mothers", valueBoolean=True if
                                                    patient.pesel_is_mothers else None) or None))
    if text(patient.document_number):
        identifiers.append(_document_identifier(patient.document_type, patient.document_number,
                                                text(patient.document_country)))
    for old in former:
        period = Period(start=aware(old.recorded_at), end=aware(old.replaced_at))
        if old.kind == IdentifierKind.PESEL:
            identifiers.append(identifier(PESEL, old.value, use="old", period=period,
                                          extension=ext("identifier-note", valueCode=old.reason) or None))
        else:
            identifiers.append(_document_identifier(old.document_type, old.value, "", use="old", period=period,
                                                    note=old.reason))
    telecom = []
    if text(patient.phone):
        telecom.append(ContactPoint(system="phone", value=patient.phone, use="mobile"))
    if text(patient.email):
        telecom.append(ContactPoint(system="email", value=patient.email))
    guardian = ext_group("guardian", (ext("guardian-patient", valueReference=ref("Patient", fid(patient.guardian_id)))
                                      + ext("guardian-relation", valueCode=patient.guardian_relation or None))
                         ) if patient.guardian_id or patient.guardian_relation else []
    return FhirPatient(
        id=fid(patient.pk), active=patient.is_active, identifier=identifiers or None,
        name=[HumanName(use="official", family=text(patient.last_name), given=[text(patient.first_name)])],
        gender=GENDER.get(text(patient.sex)), birthDate=patient.birth_date if as_date(patient.birth_date) else None,
        address=_address(patient.address) or None, telecom=telecom or None, extension=guardian or None)


def values(patient, *, former=None) -> dict:
    former = former_identifiers(patient) if former is None else former
    address = patient.address if isinstance(patient.address, dict) else None
    return {
        "id": fid(patient.pk), "first_name": text(patient.first_name), "last_name": text(patient.last_name),
        "pesel": text(patient.pesel), "pesel_is_mothers": bool(patient.pesel_is_mothers),
        "document_type": patient.document_type or "", "document_number": text(patient.document_number),
        "document_country": text(patient.document_country), "birth_date": patient.birth_date,
        "sex": text(patient.sex), "address": _address_values(address), "phone": text(patient.phone),
        "email": text(patient.email), "guardian": fid(patient.guardian_id),
        "guardian_relation": patient.guardian_relation or "", "is_active": patient.is_active,
        "former_identifiers": [{"kind": old.kind, "document_type": old.document_type or "", "value": old.value,
                                "recorded_at": aware(old.recorded_at), "replaced_at": aware(old.replaced_at),
                                "reason": old.reason or ""} for old in former],
    }


def _address_values(address) -> dict | None:
    if not address or not any(address.get(k) for k in ("street", "building", "apartment", "postal_code", "city")):
        return None
    return {k: text(address.get(k)) for k in ("street", "building", "apartment", "postal_code", "city", "country")}


def from_fhir(resource: FhirPatient) -> dict:
    pesel, mothers, document, former = "", False, None, []
    for item in resource.identifier or []:
        kind = IdentifierKind.PESEL if item.system == PESEL else IdentifierKind.DOCUMENT if \
            item.system == DOCUMENT else None
        if kind is None:
            continue
        document_type = code_of(item.type, DOCUMENT_TYPE) if kind == IdentifierKind.DOCUMENT else ""
        if item.use == "old":
            former.append({"kind": kind, "document_type": document_type, "value": item.value,
                           "recorded_at": aware(item.period.start) if item.period else None,
                           "replaced_at": aware(item.period.end) if item.period else None,
                           "reason": ext_value(item, "identifier-note", "valueCode", "")})
        elif kind == IdentifierKind.PESEL:
            pesel, mothers = item.value, bool(ext_value(item, "pesel-is-mothers", "valueBoolean", False))
        else:
            document = (document_type, item.value, ext_value(item, "document-country", "valueString", ""))
    name = (resource.name or [HumanName()])[0]
    address = None
    if resource.address:
        a = resource.address[0]
        address = {"street": ext_value(a, "address-street", "valueString", ""),
                   "building": ext_value(a, "address-building", "valueString", ""),
                   "apartment": ext_value(a, "address-apartment", "valueString", ""),
                   "postal_code": a.postalCode or "", "city": a.city or "", "country": a.country or ""}
    phone = next((t.value for t in resource.telecom or [] if t.system == "phone"), "")
    email = next((t.value for t in resource.telecom or [] if t.system == "email"), "")
    guardian, relation = None, ""
    for group in find_ext(resource, "guardian"):
        guardian = ref_id(part_value(group, "guardian-patient", "valueReference"), "Patient")
        relation = part_value(group, "guardian-relation", "valueCode", "")
    return {
        "id": resource.id, "first_name": " ".join(name.given or []), "last_name": name.family or "",
        "pesel": pesel, "pesel_is_mothers": mothers, "document_type": document[0] if document else "",
        "document_number": document[1] if document else "", "document_country": document[2] if document else "",
        "birth_date": resource.birthDate, "sex": SEX.get(resource.gender, ""), "address": address,
        "phone": phone, "email": email, "guardian": guardian, "guardian_relation": relation,
        "is_active": resource.active if resource.active is not None else True, "former_identifiers": former,
    }
