"""Bulk import of patients: the path a migration from another system and the synthetic generator share.

Every row goes through the registration desk's own rules (clean_patient_data); rows are stored
with bulk_create, which runs every field's pre_save, so values are sealed under each patient's own
key and blind indexes are computed exactly as a single save computes them. Each chunk is one
transaction: a bad row stops its chunk, names the row and the field, and nothing of that chunk is
stored (chunks before it stay). One CREATE audit event per patient, reason "imported".
"""
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.audit.context import Actor
from klinika.audit.models import Action
from klinika.audit.services import record_many
from klinika.bulk import CHUNK, IMPORTED, ImportRejected, RowProblem, chunks, import_in_chunks, problems_of
from klinika.crypto import keystore
from klinika.crypto.fields import blind_index_for
from klinika.patients.cleaning import clean_contacts, clean_patient_data
from klinika.patients.models import IdentifierKind, IdentifierNote, Patient, PatientIdentifier
from klinika.tenancy.context import clinic_context


@dataclass
class ImportResult:
    count: int = 0
    # the import's own row ids ("id" of a row) -> the patient's pk, for rows that carried one
    ids: dict = field(default_factory=dict)


def import_patients(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK) -> ImportResult:
    """Store `rows` (clean_patient_data input) as new patients of `clinic`.

    A row may carry "id" (the source system's id) and name its guardian by "guardian" (the id
    of an earlier row of this same import) or by "guardian_id" (a patient already stored). A
    row whose own PESEL another active patient (or another row) already has is refused: one
    PESEL, one patient (a newborn recorded with the mother's PESEL is not a duplicate)."""
    result = ImportResult()
    with clinic_context(clinic):
        for number, chunk in enumerate(chunks(rows, chunk_size)):
            first, stored = number * chunk_size, result.count
            try:
                with transaction.atomic():
                    _import_chunk(clinic, chunk, first, actor, result)
            except ImportRejected as rejected:
                raise ImportRejected(rejected.problems, stored=stored) from None
    return result


def _import_chunk(clinic, chunk: list[dict], first: int, actor: Actor, result: ImportResult):
    today = timezone.localdate()
    now = timezone.now()
    pending = list(enumerate(chunk, start=first))
    own_pesels: dict[str, int] = {}
    while pending:
        # Wards wait for their guardians (rows earlier in the import) to be stored in this transaction.
        ready = [(i, row) for i, row in pending if _guardian_ref(row) is None or _guardian_ref(row) in result.ids]
        waiting = [(i, row) for i, row in pending if not (_guardian_ref(row) is None
                                                          or _guardian_ref(row) in result.ids)]
        if not ready:
            raise ImportRejected([RowProblem(i, "guardian", _("The guardian is not an earlier row of this import."))
                                  for i, _row in waiting])
        problems, cleaned = [], []
        for i, row in ready:
            data = dict(row)
            if _guardian_ref(row) is not None:
                data["guardian_id"] = result.ids[_guardian_ref(row)]
            try:
                values = clean_patient_data(data, today=today)
            except ValidationError as error:
                problems.extend(problems_of(error, i))
                continue
            if values["pesel"] and not values["pesel_is_mothers"]:
                if values["pesel"] in own_pesels:
                    problems.append(RowProblem(i, "pesel", _("The same PESEL as row %(row)d: one PESEL, one patient.")
                                               % {"row": own_pesels[values["pesel"]]}))
                    continue
                own_pesels[values["pesel"]] = i
            cleaned.append((i, row, values))
        problems.extend(_registered_pesels(clinic, cleaned))
        if problems:
            raise ImportRejected(sorted(problems, key=lambda p: p.row))
        try:
            with transaction.atomic():
                _store(clinic, cleaned, now, actor, result)
        except IntegrityError:
            # A patient of one of these PESELs was registered at the desk since the check: the
            # database's one-PESEL constraint refused the chunk; name the rows as the check would.
            problems = _registered_pesels(clinic, cleaned)
            if not problems:
                raise
            raise ImportRejected(sorted(problems, key=lambda p: p.row)) from None
        pending = waiting


def _guardian_ref(row):
    ref = row.get("guardian")
    return None if ref is None or ref == "" else ref


def _registered_pesels(clinic, cleaned) -> list[RowProblem]:
    """Rows whose own PESEL an active patient of the clinic already has (one query per chunk)."""
    index = blind_index_for(Patient, "pesel")
    by_token = {}
    for i, _row, values in cleaned:
        if values["pesel"] and not values["pesel_is_mothers"]:
            for token in index.tokens(clinic.id, values["pesel"]):
                by_token[bytes(token)] = i
    if not by_token:
        return []
    # Live holders of the PESEL, as their own or as a shared one a clinic admin recorded: an import
    # adds no further holder (only an admin, at the desk, records a shared PESEL).
    taken = Patient.objects.filter(pesel_index__in=list(by_token), is_active=True, merged_into__isnull=True,
                                   pesel_is_mothers=False)
    return [RowProblem(by_token[bytes(token)], "pesel", _("A registered patient already has this PESEL."))
            for token in taken.values_list("pesel_index", flat=True)]


def _store(clinic, cleaned, now, actor, result: ImportResult):
    patients = [Patient(clinic=clinic, subject_ref=uuid.uuid4(), consent_updated_at=now, **values)
                for _i, _row, values in cleaned]
    keystore.create_subject_keys(clinic.id, [p.subject_ref for p in patients])
    Patient.objects.bulk_create(patients)
    identifiers = []
    for patient in patients:
        if patient.pesel:
            identifiers.append(PatientIdentifier(
                clinic=clinic, patient=patient, subject_ref=patient.subject_ref, kind=IdentifierKind.PESEL,
                value=patient.pesel, reason=IdentifierNote.MOTHERS_PESEL if patient.pesel_is_mothers else ""))
        if patient.document_number:
            identifiers.append(PatientIdentifier(
                clinic=clinic, patient=patient, subject_ref=patient.subject_ref, kind=IdentifierKind.DOCUMENT,
                document_type=patient.document_type, value=patient.document_number))
    PatientIdentifier.objects.bulk_create(identifiers)
    # Written: the import needs these keys no more, and a cache that grew with it would grow without bound.
    transaction.on_commit(lambda refs=[p.subject_ref for p in patients]: keystore.forget_subject_keys(
        clinic.id, refs))
    record_many(Action.CREATE, [("patient", p.pk, p.subject_ref) for p in patients], reason=IMPORTED,
                clinic_id=clinic.id, actor=actor)
    for (_i, row, _values), patient in zip(cleaned, patients, strict=True):
        if row.get("id") is not None:
            result.ids[row["id"]] = patient.pk
    result.count += len(patients)


@dataclass
class ConsentResult:
    count: int = 0


def import_consents(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK) -> ConsentResult:
    """Contact consents of patients already stored (a handover import: consents travel apart from the
    patient). rows: patient_id, consent_sms, consent_email, preferred_channel, consent_updated_at
    (when they last changed; now if not given). The desk's rules apply: a consent needs the contact
    it is about, and the preferred channel must be one agreed to. One UPDATE audit event per patient,
    reason "imported"."""
    now = timezone.now()

    def one_chunk(clinic, chunk, first, result):
        patients = {p.pk: p for p in Patient.objects.filter(pk__in={row.get("patient_id") for row in chunk})}
        keystore.load_subject_keys(clinic.id, [p.subject_ref for p in patients.values()])
        transaction.on_commit(lambda: keystore.forget_subject_keys(clinic.id, [p.subject_ref
                                                                               for p in patients.values()]))
        problems, changed = [], []
        for i, row in enumerate(chunk, start=first):
            patient = patients.get(row.get("patient_id"))
            if patient is None:
                problems.append(RowProblem(i, "patient", _("Choose a patient of this clinic.")))
                continue
            try:
                values = clean_contacts({"phone": patient.phone, "email": patient.email,
                                         "consent_sms": row.get("consent_sms"),
                                         "consent_email": row.get("consent_email"),
                                         "preferred_channel": row.get("preferred_channel") or ""})
            except ValidationError as error:
                problems.extend(problems_of(error, i))
                continue
            patient.consent_sms, patient.consent_email = values["consent_sms"], values["consent_email"]
            patient.preferred_channel = values["preferred_channel"]
            patient.consent_updated_at = row.get("consent_updated_at") or now
            changed.append(patient)
        if problems:
            raise ImportRejected(problems)
        Patient.objects.bulk_update(changed, ["consent_sms", "consent_email", "preferred_channel",
                                              "consent_updated_at"])
        record_many(Action.UPDATE, [("patient", p.pk, p.subject_ref) for p in changed], reason=IMPORTED,
                    clinic_id=clinic.id, actor=actor)
        result.count += len(changed)

    return import_in_chunks(clinic, rows, chunk_size, one_chunk, ConsentResult())
