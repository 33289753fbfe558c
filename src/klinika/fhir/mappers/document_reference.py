"""Attachments (scans, lab results, images) and e-sick-leaves (e-ZLA) <-> FHIR DocumentReference.

An attachment (id "a<key>"): identifier (its public id), status current, type (klinika's kind),
subject, date (uploaded), author (who uploaded it), description, context.encounter, and content:
contentType, size, title (the original file name) and url: the relative path where the handover
export puts the original bytes (attachment_path). No extensions.

An e-sick-leave (id "z<key>") fits no other R4 resource: identifier (its number), status (current;
entered-in-error once cancelled), type (klinika's e-document kind), subject, author
(PractitionerRole), date (signed), context.encounter, context.period (from, to), context.event
(the ICD-10 code), content (an attachment titled with the number: the printout lives in the
handover's PDFs). Extensions: letter codes and the ones left out, the indication (1 lie in bed,
2 may walk), the payer's NIP, the sick leave it reissues, when it was cancelled, and edocument.py's.
"""
import uuid

from fhir.resources.R4B.attachment import Attachment as FhirAttachment
from fhir.resources.R4B.documentreference import (
    DocumentReference,
    DocumentReferenceContent,
    DocumentReferenceContext,
)
from fhir.resources.R4B.period import Period

from klinika.fhir.common import (
    ICD10,
    as_date,
    aware,
    code_of,
    code_system,
    concept,
    ext,
    ext_value,
    fid,
    find_ext,
    identifier,
    ref,
    ref_id,
    text,
    user_ref,
)
from klinika.fhir.mappers.edocument import NUMBER, common_extensions, common_from, common_values, issued_on

ATTACHMENT_KIND = code_system("attachment-kind")
EDOCUMENT = code_system("edocument-kind")
ATTACHMENT, SICK_LEAVE = "a", "z"


def attachment_path(attachment) -> str:
    """'attachments/<public_id>/file<ext>': the handover's manifest is plaintext, and an uploaded file's
    name often carries a name or a diagnosis, so the path holds only the id and the type's extension;
    the original name travels in the DocumentReference's title."""
    from klinika.records.services.attachments import extension_for

    return f"attachments/{attachment.public_id}/file{extension_for(attachment.content_type)}"


def kind_of(fhir_id: str) -> str:
    return fhir_id[:1]


def to_fhir(document, *, people=None) -> DocumentReference:
    from klinika.records.models import Attachment

    if isinstance(document, Attachment):
        return _attachment(document, people)
    return _sick_leave(document)


def _attachment(attachment, people) -> DocumentReference:
    return DocumentReference(
        id=f"{ATTACHMENT}{attachment.pk}", status="current",
        identifier=[identifier("urn:ietf:rfc:3986", attachment.public_id.urn)],
        type=concept(ATTACHMENT_KIND, attachment.kind), subject=ref("Patient", fid(attachment.patient_id)),
        date=aware(attachment.uploaded_at), author=[user_ref(attachment.uploaded_by_id, people)],
        description=text(attachment.description) or None,
        context=DocumentReferenceContext(encounter=[ref("Encounter", fid(attachment.encounter_id))])
        if attachment.encounter_id else None,
        content=[DocumentReferenceContent(attachment=FhirAttachment(
            contentType=attachment.content_type, url=attachment_path(attachment), size=attachment.size,
            title=text(attachment.original_name)))])


def _sick_leave(leave) -> DocumentReference:
    content = leave.content if isinstance(leave.content, dict) else {}
    return DocumentReference(
        id=f"{SICK_LEAVE}{leave.pk}", status="entered-in-error" if leave.status == "cancelled" else "current",
        identifier=[identifier(NUMBER["zla"], leave.number)], type=concept(EDOCUMENT, "zla", "e-ZLA"),
        subject=ref("Patient", fid(leave.patient_id)), author=[ref("PractitionerRole", fid(leave.practitioner_id))],
        date=aware(leave.signed_at or leave.created_at),
        context=DocumentReferenceContext(
            encounter=[ref("Encounter", fid(leave.encounter_id))] if leave.encounter_id else None,
            period=Period(start=as_date(content.get("from")), end=as_date(content.get("to"))),
            event=[concept(ICD10, content.get("icd10"))] if content.get("icd10") else None),
        content=[DocumentReferenceContent(attachment=FhirAttachment(title=leave.number))],
        extension=([e for code in content.get("letter_codes") or [] for e in ext("letter-code", valueCode=code)]
                   + [e for code in content.get("omit_codes") or [] for e in ext("omitted-code", valueCode=code)]
                   + ext("indication", valueInteger=content.get("indication"))
                   + ext("payer-nip", valueString=content.get("payer_nip"))
                   + ext("reissue-of", valueReference=ref("DocumentReference",
                                                          f"{SICK_LEAVE}{leave.reissue_of_id}" if leave.reissue_of_id
                                                          else None))
                   + ext("cancelled-at", valueDateTime=aware(leave.cancelled_at))
                   + common_extensions(leave)) or None)


def values(document, *, people=None) -> dict:
    from klinika.records.models import Attachment

    if isinstance(document, Attachment):
        return {"id": f"{ATTACHMENT}{document.pk}", "public_id": document.public_id,
                "patient": fid(document.patient_id), "encounter": fid(document.encounter_id), "kind": document.kind,
                "content_type": document.content_type, "size": document.size,
                "original_name": text(document.original_name), "description": text(document.description),
                "uploaded_by": ref_id(user_ref(document.uploaded_by_id, people)),
                "uploaded_at": aware(document.uploaded_at), "path": attachment_path(document)}
    return {**common_values(document), "id": f"{SICK_LEAVE}{document.pk}", "content": document.content,
            "reissue_of": f"{SICK_LEAVE}{document.reissue_of_id}" if document.reissue_of_id else None,
            "cancelled_at": aware(document.cancelled_at)}


def from_fhir(resource: DocumentReference) -> dict:
    context = resource.context or DocumentReferenceContext()
    encounter = ref_id((context.encounter or [None])[0], "Encounter")
    if kind_of(resource.id) == ATTACHMENT:
        file = resource.content[0].attachment
        public_id = next((i.value for i in resource.identifier or [] if i.system == "urn:ietf:rfc:3986"), None)
        return {"id": resource.id, "public_id": uuid.UUID(public_id) if public_id else None,
                "patient": ref_id(resource.subject, "Patient"), "encounter": encounter,
                "kind": code_of(resource.type, ATTACHMENT_KIND), "content_type": file.contentType or "",
                "size": file.size, "original_name": file.title or "", "description": resource.description or "",
                "uploaded_by": ref_id((resource.author or [None])[0], "Practitioner"),
                "uploaded_at": aware(resource.date), "path": file.url}
    period = context.period or Period()
    content = {"from": as_date(period.start).isoformat() if period.start else None,
               "to": as_date(period.end).isoformat() if period.end else None,
               "icd10": code_of((context.event or [None])[0], ICD10),
               "letter_codes": [e.valueCode for e in find_ext(resource, "letter-code")],
               "omit_codes": [e.valueCode for e in find_ext(resource, "omitted-code")],
               "indication": ext_value(resource, "indication", "valueInteger"),
               "payer_nip": ext_value(resource, "payer-nip", "valueString", ""), "issued_on": issued_on(resource)}
    return {**common_from(resource, "zla"), "patient": ref_id(resource.subject, "Patient"),
            "practitioner": ref_id((resource.author or [None])[0], "PractitionerRole"), "encounter": encounter,
            "content": content,
            "reissue_of": ref_id(ext_value(resource, "reissue-of", "valueReference"), "DocumentReference"),
            "cancelled_at": aware(ext_value(resource, "cancelled-at", "valueDateTime"))}
