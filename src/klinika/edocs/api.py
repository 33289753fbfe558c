"""e-Documents in the JSON API: the same operations as the visit screen, through the services.

Prescription packages are addressed as /edocs/rx/{package_id}/…, a single prescription (for
cancelling) as /edocs/rx/prescriptions/{id}/cancel.
"""
import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from klinika.edocs import rules, services, statuses
from klinika.edocs.models import DocKind

router = Router(tags=["e-documents"])
Kind = Literal["rx", "ref", "zla"]


class PrescriptionItemIn(Schema):
    drug_id: int | None = Field(None, description="a drug of the built-in list; or give drug_name etc.")
    drug_name: str = ""
    strength: str = ""
    form: str = ""
    pack_size: str = ""
    gtin: str = ""
    category: Literal["", "antibiotic", "immunological"] | str = ""
    dosage: str = ""
    quantity: int | str | None = None
    payment_level: str = ""
    entitlement: str = ""
    kind: str = "ordinary"
    no_substitution: bool = False
    valid_from: datetime.date | str | None = None
    validity_days: int | str | None = None
    supply_days: int | str | None = None


class PackageIn(Schema):
    patient_id: int | None = None
    encounter_id: int | None = None
    items: list[PrescriptionItemIn]


class ReferralIn(Schema):
    patient_id: int | None = None
    encounter_id: int | None = None
    kind: str
    icd10: str
    icd9: list[str] = []
    purpose: str = ""
    tests_done: str = ""
    cito: bool = False
    target_specialty: str = ""


class SickLeaveData(Schema):
    date_from: datetime.date | str | None = None
    date_to: datetime.date | str | None = None
    icd10: str = ""
    letter_codes: list[str] = []
    omit_codes: list[str] = []
    indication: int | str | None = None
    payer_nip: str = ""


class SickLeaveIn(SickLeaveData):
    patient_id: int | None = None
    encounter_id: int | None = None


class ReissueIn(SickLeaveData):
    reason: str = "error"


class CancelIn(Schema):
    reason: str = "error"


STATUS_DESCRIPTION = (
    "draft: written, not signed · signed: signed in the clinic and WAITING to be sent; the platform (P1 for "
    "rx and ref, ZUS for zla) has not confirmed it, so it is not valid there yet · submitted: the platform "
    "confirmed and registered it (platform_id set) · rejected: the platform refused it (last_error holds its "
    "reason) · cancelled · imported: issued outside klinika and imported as history; klinika never sent it "
    "and claims no platform answer")
STATUS_TEXT_DESCRIPTION = "the status in words, in the request's language, e.g. \"signed, waiting to be sent to P1\""


class DocumentOut(Schema):
    id: int
    number: str
    status: Literal["draft", "signed", "submitted", "rejected", "cancelled", "imported"] = Field(
        ..., description=STATUS_DESCRIPTION)
    status_text: str = Field(..., description=STATUS_TEXT_DESCRIPTION)
    platform_id: str = Field(..., description="the platform's id of the document; empty until it confirmed")
    submit_attempts: int
    last_error: str
    content: dict
    valid_until: datetime.date | None = None


class UnitOut(Schema):
    kind: str
    id: int
    status: Literal["draft", "signed", "submitted", "rejected", "cancelled", "imported"] = Field(
        ..., description="the unit's status (a package's least advanced document): " + STATUS_DESCRIPTION)
    status_text: str = Field(..., description=STATUS_TEXT_DESCRIPTION)
    access_code: str = Field(..., description="the patient's access code (rx, ref) once the platform has "
                                              "registered the unit; empty before, when it opens nothing")
    patient_id: int
    encounter_id: int | None
    documents: list[DocumentOut]


class EventOut(Schema):
    document_id: int
    from_status: str
    to_status: str
    detail: str
    at: datetime.datetime


class DrugOut(Schema):
    id: int
    name: str
    strength: str
    form: str
    pack_size: str
    gtin: str
    is_antibiotic: bool
    is_immunological: bool


def _document(kind, document) -> dict:
    content = document.content if isinstance(document.content, dict) else {}
    return {"id": document.pk, "number": document.number, "status": document.status,
            "status_text": statuses.describe_document(kind, document), "platform_id": document.platform_id,
            "submit_attempts": document.submit_attempts,
            "last_error": document.last_error, "content": content,
            "valid_until": rules.valid_until(content) if kind == DocKind.PRESCRIPTION and content else None}


def _unit(request, kind, unit_id) -> dict:
    unit = services.get_unit(request.auth, kind, unit_id)
    return {"kind": str(unit.kind), "id": unit.id, "status": str(unit.status), "status_text": unit.status_label,
            "access_code": unit.valid_access_code,
            "patient_id": unit.first.patient_id, "encounter_id": unit.first.encounter_id,
            "documents": [_document(unit.kind, d) for d in unit.documents]}


@router.post("/rx", response={201: UnitOut})
def issue_prescriptions(request, payload: PackageIn):
    package = services.issue_prescriptions(request.auth, patient_id=payload.patient_id,
                                           encounter_id=payload.encounter_id,
                                           items=[item.dict() for item in payload.items])
    return Status(201, _unit(request, DocKind.PRESCRIPTION, package.pk))


@router.post("/ref", response={201: UnitOut})
def create_referral(request, payload: ReferralIn):
    data = payload.dict(exclude={"patient_id", "encounter_id"})
    referral = services.create_referral(request.auth, patient_id=payload.patient_id,
                                        encounter_id=payload.encounter_id, data=data)
    return Status(201, _unit(request, DocKind.REFERRAL, referral.pk))


@router.post("/zla", response={201: UnitOut})
def create_sick_leave(request, payload: SickLeaveIn):
    data = payload.dict(exclude={"patient_id", "encounter_id"})
    leave = services.create_sick_leave(request.auth, patient_id=payload.patient_id,
                                       encounter_id=payload.encounter_id, data=data)
    return Status(201, _unit(request, DocKind.SICK_LEAVE, leave.pk))


@router.get("/{kind}/{unit_id}", response=UnitOut)
def get_unit(request, kind: Kind, unit_id: int):
    return _unit(request, kind, unit_id)


@router.get("/{kind}/{unit_id}/history", response=list[EventOut])
def history(request, kind: Kind, unit_id: int):
    return [{"document_id": e.document_id, "from_status": e.from_status, "to_status": e.to_status,
             "detail": e.detail, "at": e.at} for e in services.history(request.auth, kind, unit_id)]


@router.post("/{kind}/{unit_id}/sign", response=UnitOut)
def sign(request, kind: Kind, unit_id: int):
    services.sign(request.auth, kind, unit_id)
    return _unit(request, kind, unit_id)


@router.post("/{kind}/{unit_id}/submit", response=UnitOut)
def submit_again(request, kind: Kind, unit_id: int):
    services.submit_again(request.auth, kind, unit_id)
    return _unit(request, kind, unit_id)


@router.post("/{kind}/{unit_id}/notify", response={202: dict})
def resend_access_code(request, kind: Kind, unit_id: int):
    message = services.resend_access_code(request.auth, kind, unit_id)
    return Status(202, {"sent": bool(message and message.status == "sent"),
                        "message_id": str(message.public_id) if message else None})


@router.post("/rx/prescriptions/{document_id}/cancel", response=DocumentOut)
def cancel_prescription(request, document_id: int, payload: CancelIn):
    document = services.cancel_document(request.auth, DocKind.PRESCRIPTION, document_id, payload.reason)
    return _document(DocKind.PRESCRIPTION, document)


@router.post("/{kind}/{document_id}/cancel", response=DocumentOut)
def cancel(request, kind: Literal["ref", "zla"], document_id: int, payload: CancelIn):
    document = services.cancel_document(request.auth, kind, document_id, payload.reason)
    return _document(kind, document)


@router.post("/zla/{document_id}/reissue", response={201: UnitOut})
def reissue(request, document_id: int, payload: ReissueIn):
    leave = services.reissue_sick_leave(request.auth, document_id, data=payload.dict(exclude={"reason"}),
                                        reason=payload.reason)
    return Status(201, _unit(request, DocKind.SICK_LEAVE, leave.pk))


@router.get("/{kind}/{unit_id}/printout", response={200: None}, openapi_extra={
    "responses": {200: {"description": "the printout", "content": {"application/pdf": {}}}}})
def printout(request, kind: Kind, unit_id: int):
    name, pdf = services.printout(request.auth, kind, unit_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get("/patients/{patient_id}/current", response=list[DocumentOut])
def current_prescriptions(request, patient_id: int):
    _patient, prescriptions = services.current_prescriptions(request.auth, patient_id)
    return [_document(DocKind.PRESCRIPTION, rx) for rx in prescriptions]


@router.get("/drugs", response=list[DrugOut])
def drugs(request, q: str = ""):
    return services.search_drugs(request.auth, q)
