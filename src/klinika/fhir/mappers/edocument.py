"""What the three e-document mappers share (MedicationRequest, ServiceRequest, DocumentReference):
the document number as identifier, the FHIR status, and the extensions for what R4 has no element
for: klinika's exact status, the access code, the platform's id, when it was created, signed and
submitted, and the day it counts as issued."""
from klinika.edocs.models import DocStatus
from klinika.fhir.common import as_date, aware, ext, ext_value, fid, naming_system, text

NUMBER = {"rx": naming_system("prescription-number"), "ref": naming_system("referral-number"),
          "zla": naming_system("sick-leave-number")}
# klinika's statuses in the request resources' status codes (the exact one is an extension).
REQUEST_STATUS = {DocStatus.DRAFT: "draft", DocStatus.SIGNED: "active", DocStatus.SUBMITTED: "active",
                  DocStatus.REJECTED: "entered-in-error", DocStatus.CANCELLED: "revoked",
                  DocStatus.IMPORTED: "completed"}


def common_extensions(document) -> list:
    content = document.content if isinstance(document.content, dict) else {}
    return (ext("document-status", valueCode=document.status)
            + ext("access-code", valueString=text(document.access_code))
            + ext("platform-id", valueString=document.platform_id) + ext("created-at",
                                                                         valueDateTime=aware(document.created_at))
            + ext("signed-at", valueDateTime=aware(document.signed_at))
            + ext("submitted-at", valueDateTime=aware(document.submitted_at))
            + ext("issued-on", valueDate=as_date(content.get("issued_on"))))


def common_values(document) -> dict:
    return {"id": fid(document.pk), "patient": fid(document.patient_id), "practitioner": fid(document.practitioner_id),
            "encounter": fid(document.encounter_id), "number": document.number, "status": document.status,
            "access_code": text(document.access_code), "platform_id": document.platform_id or "",
            "created_at": aware(document.created_at), "signed_at": aware(document.signed_at),
            "submitted_at": aware(document.submitted_at)}


def common_from(resource, kind: str) -> dict:
    number = next((i.value for i in resource.identifier or [] if i.system == NUMBER[kind]), "")
    return {"id": resource.id, "number": number, "status": ext_value(resource, "document-status", "valueCode", ""),
            "access_code": ext_value(resource, "access-code", "valueString", ""),
            "platform_id": ext_value(resource, "platform-id", "valueString", ""),
            "created_at": aware(ext_value(resource, "created-at", "valueDateTime")),
            "signed_at": aware(ext_value(resource, "signed-at", "valueDateTime")),
            "submitted_at": aware(ext_value(resource, "submitted-at", "valueDateTime"))}


def issued_on(resource) -> str | None:
    day = ext_value(resource, "issued-on", "valueDate")
    return day.isoformat() if day else None
