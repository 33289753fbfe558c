"""/api/patients: search, read, register, correct. Every call goes through patients.services.

Input fields are typed loosely (text) on purpose: the registry's own rules check them and
answer 400 with translated messages per field, the same ones the staff UI shows.
"""
import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from klinika.accounts.policy import can
from klinika.patients import services
from klinika.patients.models import Patient, PatientIdentifier

router = Router(tags=["patients"])


class AddressIn(Schema):
    # Unknown fields are refused rather than ignored: a typo must not look like a saved change.
    model_config = ConfigDict(extra="forbid")

    street: str | None = None
    building: str | None = None
    apartment: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class PatientIn(Schema):
    model_config = ConfigDict(extra="forbid")

    first_name: str | None = None
    last_name: str | None = None
    pesel: str | None = None
    pesel_is_mothers: bool = False
    birth_date: str | None = None
    sex: str | None = None
    document_type: str | None = None
    document_country: str | None = None
    document_number: str | None = None
    address: AddressIn | None = None
    phone: str | None = None
    email: str | None = None
    preferred_channel: str | None = None
    consent_sms: bool = False
    consent_email: bool = False
    guardian_id: int | None = None
    guardian_relation: str | None = None


class PatientCreate(PatientIn):
    confirm_duplicates: bool = False
    # Clinic admins only: the registry confirmed this PESEL was issued to another person too
    # (a SharedPeselReason code: registry_confirmed, new_pesel_pending).
    shared_pesel: str | None = None


class PatientPatch(PatientIn):
    """Only the fields sent change. `identifier_reason` is required when PESEL or document changes."""

    identifier_reason: str | None = None


class IdentifierOut(Schema):
    kind: str
    document_type: str
    value: str
    recorded_at: datetime.datetime
    replaced_at: datetime.datetime | None
    note: str


class PatientOut(Schema):
    id: int
    first_name: str
    last_name: str
    pesel: str
    pesel_is_mothers: bool
    # own | mothers (a newborn recorded with the mother's) | shared (confirmed with the registry)
    pesel_kind: str
    birth_date: datetime.date | None
    sex: str
    document_type: str
    document_country: str
    document_number: str
    address: dict | None
    phone: str
    email: str
    preferred_channel: str
    consent_sms: bool
    consent_email: bool
    consent_updated_at: datetime.datetime | None
    guardian_id: int | None
    guardian_relation: str
    is_active: bool
    merged_into_id: int | None
    identifiers: list[IdentifierOut]


class PatientSummary(Schema):
    id: int
    first_name: str
    last_name: str
    birth_date: datetime.date | None
    sex: str
    pesel_masked: str
    pesel_is_mothers: bool
    document_type: str
    document_masked: str
    found_by_former_identifier: bool = False
    found_through_merged_record: bool = False
    # Why a search found the patient (codes: pesel, pesel_near, surname, surname_folded, surname_part,
    # surname_prefix, first_name, birth_date, ...) and the same said in the user's language.
    matched_by: list[str] = []
    matched_by_text: list[str] = []


class SearchOut(Schema):
    kind: str
    hint: str
    truncated: bool
    results: list[PatientSummary]


class SearchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    q: str


class Problem(Schema):
    detail: str
    errors: dict | None = None


class PeselTakenOut(Schema):
    detail: str
    code: Literal["pesel_taken"]
    errors: dict | None = None
    # The patient who has the PESEL, when the caller may see patients; else null.
    existing_patient_id: int | None = None


class Duplicates(Schema):
    detail: str
    duplicates: list[PatientSummary]


def _str(value) -> str:
    # A crypto-erased value reads as ERASED, whose str() says so.
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _date(value):
    return value if isinstance(value, datetime.date) else None


def summary(patient: Patient, hit=None) -> dict:
    return {
        "id": patient.pk, "first_name": _str(patient.first_name), "last_name": _str(patient.last_name),
        "birth_date": _date(patient.birth_date), "sex": _str(patient.sex), "pesel_masked": patient.masked_pesel,
        "pesel_is_mothers": patient.pesel_is_mothers, "document_type": patient.document_type,
        "document_masked": patient.masked_document,
        "found_by_former_identifier": bool(hit and hit.old_identifier),
        "found_through_merged_record": bool(hit and hit.via_merged_record),
        "matched_by": list(hit.reasons) if hit else [], "matched_by_text": hit.why if hit else [],
    }


def detail(patient: Patient, identifiers: list[PatientIdentifier]) -> dict:
    return {
        "id": patient.pk, "first_name": _str(patient.first_name), "last_name": _str(patient.last_name),
        "pesel": _str(patient.pesel), "pesel_is_mothers": patient.pesel_is_mothers, "pesel_kind": patient.pesel_kind,
        "birth_date": _date(patient.birth_date), "sex": _str(patient.sex), "document_type": patient.document_type,
        "document_country": _str(patient.document_country), "document_number": _str(patient.document_number),
        "address": patient.address if isinstance(patient.address, dict) else None,
        "phone": _str(patient.phone), "email": _str(patient.email), "preferred_channel": patient.preferred_channel,
        "consent_sms": patient.consent_sms, "consent_email": patient.consent_email,
        "consent_updated_at": patient.consent_updated_at, "guardian_id": patient.guardian_id,
        "guardian_relation": patient.guardian_relation, "is_active": patient.is_active,
        "merged_into_id": patient.merged_into_id,
        "identifiers": [{"kind": i.kind, "document_type": i.document_type, "value": _str(i.value),
                         "recorded_at": i.recorded_at, "replaced_at": i.replaced_at, "note": i.reason}
                        for i in identifiers],
    }


def _data(payload: PatientIn, *, only_sent: bool) -> dict:
    data = payload.dict(exclude_unset=only_sent)
    data.pop("confirm_duplicates", None)
    data.pop("shared_pesel", None)
    data.pop("identifier_reason", None)
    if "address" in data:
        data["address"] = data["address"] or {}
    return {name: ("" if value is None and name not in {"guardian_id", "birth_date"} else value)
            for name, value in data.items()}


def _search(request, q: str) -> dict:
    result = services.search_patients(request.auth, q)
    return {"kind": result.kind, "hint": str(result.hint), "truncated": result.truncated,
            "results": [summary(hit.patient, hit) for hit in result.hits]}


@router.get("", response=SearchOut, summary="Find patients (one search box)")
def search(request, q: str):
    """By PESEL, document, phone, e-mail or "surname [first name] [birth date]".

    Prefer POST /api/patients/search: a query in a URL can end up in logs.
    """
    return _search(request, q)


@router.post("/search", response=SearchOut, summary="Find patients, query in the body")
def search_post(request, payload: SearchIn):
    return _search(request, payload.q)


@router.get("/{int:patient_id}", response=PatientOut)
def get(request, patient_id: int):
    patient = services.get_patient(request.auth, patient_id)
    return detail(patient, services.identifier_history(request.auth, patient))


def _pesel_taken(request, taken: services.PeselTaken):
    holder = taken.holder
    visible = can(request.auth, "patients.view_demographics", holder)
    return Status(409, {"detail": _("This PESEL belongs to a patient who is already registered: one PESEL, one "
                                    "patient. Open that patient's record, or merge the two records."),
                        "code": "pesel_taken", "errors": {"pesel": [str(m) for m in taken.messages]},
                        "existing_patient_id": holder.pk if visible else None})


@router.post("", response={201: PatientOut, 409: PeselTakenOut | Duplicates})
def create(request, payload: PatientCreate):
    """Register a patient. 409 with code "pesel_taken" (and the id of the patient who has the PESEL)
    cannot be overridden; 409 listing possible duplicates (same surname and birth date) can, with
    `confirm_duplicates: true`."""
    try:
        patient = services.register_patient(request.auth, _data(payload, only_sent=False),
                                            confirm_duplicates=payload.confirm_duplicates,
                                            shared_pesel=payload.shared_pesel or "")
    except services.PeselTaken as taken:
        return _pesel_taken(request, taken)
    except services.PossibleDuplicates as found:
        return Status(409, {"detail": _("This patient may already be registered."),
                            "duplicates": [summary(p) for p in found.patients]})
    return Status(201, detail(patient, services.identifier_history(request.auth, patient)))


@router.patch("/{int:patient_id}", response={200: PatientOut, 409: PeselTakenOut})
def update(request, patient_id: int, payload: PatientPatch):
    try:
        patient = services.update_patient(request.auth, patient_id, _data(payload, only_sent=True),
                                          identifier_reason=payload.identifier_reason or "")
    except services.PeselTaken as taken:
        return _pesel_taken(request, taken)
    return detail(patient, services.identifier_history(request.auth, patient))
