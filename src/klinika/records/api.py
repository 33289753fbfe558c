"""/api/records: visits (read, start, save draft, sign, amend), measurements, allergies, code search,
attachments. Every call goes through the records services and the access policy; the rules and
messages are the ones the visit screen shows (400 with messages per field)."""
import datetime
import uuid

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from klinika.accounts.policy import require
from klinika.records import services
from klinika.records.services import attachments, codes
from klinika.records.summary import patient_summary

router = Router(tags=["records"])


class Error(Schema):
    detail: str


class DiagnosisIn(Schema):
    code: str
    main: bool = False


class ProcedureIn(Schema):
    code: str


class ContentIn(Schema):
    interview: str = ""
    examination: str = ""
    recommendations: str = ""
    diagnoses: list[DiagnosisIn] = []
    procedures: list[ProcedureIn] = []

    def service_data(self) -> dict:
        return {
            "interview": self.interview, "examination": self.examination, "recommendations": self.recommendations,
            "diagnoses": [d.dict() for d in self.diagnoses], "procedures": [p.dict() for p in self.procedures],
        }


class AmendIn(ContentIn):
    reason: str = ""


class EncounterCreate(Schema):
    appointment: int | None = None
    patient: int | None = None


class VersionOut(Schema):
    number: int
    author: str
    created_at: datetime.datetime
    signed_at: datetime.datetime | None
    signed_by: str | None
    amendment_reason: str
    content: dict


class EncounterOut(Schema):
    id: int
    patient_id: int
    practitioner_id: int
    appointment_id: int | None
    status: str
    started_at: datetime.datetime
    signed_at: datetime.datetime | None
    version: int
    content: dict


def _encounter_out(encounter) -> dict:
    current = encounter.current
    return {"id": encounter.pk, "patient_id": encounter.patient_id, "practitioner_id": encounter.practitioner_id,
            "appointment_id": encounter.appointment_id, "status": encounter.status,
            "started_at": encounter.started_at, "signed_at": encounter.signed_at,
            "version": current.number, "content": current.content or {}}


def _version_out(version) -> dict:
    return {"number": version.number, "author": version.author.username, "created_at": version.created_at,
            "signed_at": version.signed_at, "signed_by": version.signed_by.username if version.signed_by else None,
            "amendment_reason": version.amendment_reason or "", "content": version.content or {}}


@router.get("/encounters/{encounter_id}", response={200: EncounterOut, 403: Error, 404: Error})
def get_encounter(request, encounter_id: int):
    return _encounter_out(services.get_encounter(request.user, encounter_id))


@router.get("/encounters/{encounter_id}/versions", response={200: list[VersionOut], 403: Error, 404: Error})
def get_versions(request, encounter_id: int):
    _encounter, versions = services.encounter_versions(request.user, encounter_id)
    return [_version_out(v) for v in versions]


@router.post("/encounters", response={201: EncounterOut, 400: dict, 403: Error, 404: Error})
def start_encounter(request, payload: EncounterCreate):
    encounter = services.start_encounter(request.user, payload.appointment, patient_id=payload.patient)
    return Status(201, _encounter_out(services.get_encounter(request.user, encounter.pk)))


@router.put("/encounters/{encounter_id}/draft", response={200: EncounterOut, 400: dict, 403: Error, 404: Error})
def save_draft(request, encounter_id: int, payload: ContentIn):
    services.save_draft(request.user, encounter_id, payload.service_data())
    return _encounter_out(services.get_encounter(request.user, encounter_id))


@router.post("/encounters/{encounter_id}/sign", response={200: EncounterOut, 400: dict, 403: Error, 404: Error})
def sign(request, encounter_id: int):
    services.sign(request.user, encounter_id)
    return _encounter_out(services.get_encounter(request.user, encounter_id))


@router.post("/encounters/{encounter_id}/amendments",
             response={201: VersionOut, 400: dict, 403: Error, 404: Error})
def amend(request, encounter_id: int, payload: AmendIn):
    version = services.amend(request.user, encounter_id, payload.service_data(), payload.reason)
    return Status(201, _version_out(version))


# ---- patient level ---------------------------------------------------------------------------

class ProblemOut(Schema):
    code: str
    name: str
    kind: str
    last_seen: datetime.datetime
    visits: int


class VisitLineOut(Schema):
    id: int
    started_at: datetime.datetime
    status: str
    version: int
    practitioner: str
    main_diagnosis: dict | None
    documents: dict


class VitalsIn(Schema):
    bp_systolic: float | str | None = None
    bp_diastolic: float | str | None = None
    pulse: float | str | None = None
    temperature: float | str | None = None
    weight_kg: float | str | None = None
    height_cm: float | str | None = None
    pregnancy_week: float | str | None = None
    bmi: float | str | None = None  # refused with a clear message: BMI is computed, never entered
    encounter_id: int | None = None
    supersedes_id: int | None = None


class VitalsOut(Schema):
    id: int
    values: dict
    recorded_at: datetime.datetime
    recorded_by: str
    encounter_id: int | None
    supersedes_id: int | None


def _vitals_out(row) -> dict:
    return {"id": row.pk, "values": row.values or {}, "recorded_at": row.recorded_at,
            "recorded_by": row.recorded_by.username, "encounter_id": row.encounter_id,
            "supersedes_id": row.supersedes_id}


class AllergyIn(Schema):
    substance: str = ""
    reaction: str = ""
    severity: str = ""


class AllergyOut(Schema):
    id: int
    substance: str
    reaction: str
    severity: str
    recorded_at: datetime.datetime


def _allergy_out(allergy) -> dict:
    return {"id": allergy.pk, "substance": str(allergy.substance), "reaction": str(allergy.reaction or ""),
            "severity": allergy.severity, "recorded_at": allergy.recorded_at}


class AttachmentOut(Schema):
    public_id: uuid.UUID
    patient_id: int
    encounter_id: int | None
    kind: str
    content_type: str
    size: int
    original_name: str
    description: str
    uploaded_at: datetime.datetime


def _attachment_out(a) -> dict:
    return {"public_id": a.public_id, "patient_id": a.patient_id, "encounter_id": a.encounter_id, "kind": a.kind,
            "content_type": a.content_type, "size": a.size, "original_name": str(a.original_name),
            "description": str(a.description or ""), "uploaded_at": a.uploaded_at}


class SummaryOut(Schema):
    patient_id: int
    problems: list[ProblemOut]
    recent_visits: list[VisitLineOut]
    visit_count: int
    allergies: list[AllergyOut]
    vitals: VitalsOut | None
    attachments: list[AttachmentOut]


@router.get("/patients/{patient_id}/summary", response={200: SummaryOut, 403: Error, 404: Error})
def summary(request, patient_id: int):
    s = patient_summary(request.user, patient_id)
    return {"patient_id": s.patient.pk, "problems": [vars(p) for p in s.problems],
            "recent_visits": [vars(v) for v in s.recent_visits], "visit_count": s.visit_count,
            "allergies": [_allergy_out(a) for a in s.allergies],
            "vitals": _vitals_out(s.vitals) if s.vitals else None,
            "attachments": [_attachment_out(a) for a in s.attachments]}


@router.get("/patients/{patient_id}/vitals", response={200: list[VitalsOut], 403: Error, 404: Error})
def list_vitals(request, patient_id: int):
    _patient, rows = services.current_vitals(request.user, patient_id)
    return [_vitals_out(r) for r in rows]


@router.post("/patients/{patient_id}/vitals", response={201: VitalsOut, 400: dict, 403: Error, 404: Error})
def add_vitals(request, patient_id: int, payload: VitalsIn):
    values = payload.dict(exclude={"encounter_id", "supersedes_id"}, exclude_none=True)
    row = services.record_vitals(request.user, patient_id, values, encounter_id=payload.encounter_id,
                                 supersedes_id=payload.supersedes_id)
    return Status(201, _vitals_out(row))


@router.get("/patients/{patient_id}/allergies", response={200: list[AllergyOut], 403: Error, 404: Error})
def list_allergies(request, patient_id: int):
    _patient, allergies = services.active_allergies(request.user, patient_id)
    return [_allergy_out(a) for a in allergies]


@router.post("/patients/{patient_id}/allergies", response={201: AllergyOut, 400: dict, 403: Error, 404: Error})
def add_allergy(request, patient_id: int, payload: AllergyIn):
    allergy = services.add_allergy(request.user, patient_id, substance=payload.substance,
                                   reaction=payload.reaction, severity=payload.severity)
    return Status(201, _allergy_out(allergy))


# ---- codes -----------------------------------------------------------------------------------

class CodeOut(Schema):
    system: str
    code: str
    name: str
    source: str  # "builtin" (our short list) or "clinic" (the clinic's licensed dictionary)


class CodeQuery(Schema):
    system: str = codes.ICD10
    q: str = ""


@router.get("/codes", response={200: list[CodeOut], 403: Error})
def search_codes(request, query: Query[CodeQuery]):
    """Type-ahead: up to 20 codes whose code starts with `q` or whose name has words starting with its words."""
    require(request.user, "records.view_clinical")
    return [{"system": c.system, "code": c.code, "name": c.name, "source": "clinic" if c.clinic_id else "builtin"}
            for c in codes.search(query.system, query.q)]


# ---- attachments -----------------------------------------------------------------------------

@router.post("/patients/{patient_id}/attachments", response={201: AttachmentOut, 400: dict, 403: Error, 404: Error})
def upload_attachment(request, patient_id: int, file: File[UploadedFile], kind: Form[str] = "scan",
                      description: Form[str] = "", encounter_id: Form[int | None] = None):
    attachment = attachments.upload(request.user, patient_id, file, kind=kind, description=description,
                                    encounter_id=encounter_id)
    return Status(201, _attachment_out(attachment))


@router.get("/patients/{patient_id}/attachments", response={200: list[AttachmentOut], 403: Error, 404: Error})
def list_attachments(request, patient_id: int):
    _patient, rows = attachments.patient_attachments(request.user, patient_id)
    return [_attachment_out(a) for a in rows]


@router.get("/attachments/{public_id}", response={200: AttachmentOut, 403: Error, 404: Error})
def attachment_metadata(request, public_id: uuid.UUID):
    return _attachment_out(attachments.get_attachment(request.user, public_id))


@router.get("/attachments/{public_id}/content", response={403: Error, 404: Error})
def attachment_content(request, public_id: uuid.UUID):
    """The file itself, decrypted (audited as an export)."""
    download = attachments.download(request.user, public_id)
    response = StreamingHttpResponse(download.chunks, content_type=download.attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, download.filename)
    response["Content-Length"] = str(download.attachment.size)
    response["Cache-Control"] = "no-store"
    return response
