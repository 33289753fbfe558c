"""Bulk import of e-documents issued outside klinika (history): e-prescription packages, e-referrals, e-ZLA.

Each row's content goes through the same rules as a document written here (rules.clean_prescriptions,
clean_referral, clean_sick_leave), checked for the day it was issued: validity, backdating and age
rules hold as they did then. The content is sealed under the patient's key by the field's pre_save.

Status: every imported document is "imported" (statuses.py: "issued outside klinika (imported
history); not sent to P1/ZUS by klinika"). Not "submitted": that says P1 or ZUS confirmed it to
klinika, and klinika never sent it nor saw an answer. Not "signed": that says it waits to be sent,
and the retry worker would send old documents to the platform. So an imported document is never
queued, has no platform id and no working access code, and cannot be cancelled or reissued here
(that is done where it was issued). Its signed_at is when it was issued there; its number comes from
the clinic's sequence of the issue year (so it never collides with one issued here later).

Each chunk is one transaction; a refused row names its index and field, and nothing of its chunk
is stored. One CREATE audit event per unit (a prescription package, a referral, a sick leave) as
when written here, reason "imported", and one history event per document.
"""
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.audit.context import Actor
from klinika.audit.models import Action
from klinika.audit.services import record_many
from klinika.bulk import CHUNK, IMPORTED, ImportRejected, RowProblem, chunks, problems_of
from klinika.crypto import keystore
from klinika.edocs import rules, statuses
from klinika.edocs.models import (
    DocKind,
    DocStatus,
    DocumentEvent,
    Prescription,
    PrescriptionPackage,
    Referral,
    SickLeave,
)
from klinika.edocs.services import OBJECT_TYPE, PACKAGE_TYPE
from klinika.edocs.services.numbering import is_valid_number, keep_numbers, take_numbers
from klinika.patients.models import Patient
from klinika.records.models import Encounter
from klinika.staff.models import Practitioner, Profession
from klinika.tenancy.context import clinic_context


@dataclass
class DocumentImportResult:
    prescriptions: int = 0
    packages: int = 0
    referrals: int = 0
    sick_leaves: int = 0
    unit_ids: list = field(default_factory=list)  # (kind, package / referral / sick-leave id), in row order


def import_documents(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK,
                     now: datetime.datetime | None = None) -> DocumentImportResult:
    """rows: kind ("rx", "ref", "zla"), encounter_id (the visit it was issued in) or patient_id, issued_at
    (when it was signed where it was issued), optionally practitioner_id (a doctor of the clinic; the
    visit's by default), and what the forms take: "items" (1-5 drugs) for rx, "data" for ref and zla.
    A row may keep its documents' own numbers ("numbers", one per document, e.g. a handover import):
    they must be of the kind's form and not taken; the sequences then move past them."""
    now = now or timezone.now()
    result = DocumentImportResult()
    with clinic_context(clinic):
        for number, chunk in enumerate(chunks(rows, chunk_size)):
            stored = result.packages + result.referrals + result.sick_leaves
            try:
                with transaction.atomic():
                    _import_chunk(clinic, chunk, number * chunk_size, actor, now, result)
            except ImportRejected as rejected:
                raise ImportRejected(rejected.problems, stored=stored) from None
    return result


@dataclass
class _Item:
    kind: DocKind
    patient: Patient
    practitioner_id: int
    encounter_id: int | None
    issued_at: datetime.datetime
    contents: list  # one content per document (several for a prescription package)
    numbers: list | None = None  # the documents' own numbers, kept (else taken from the sequences)


def _import_chunk(clinic, chunk, first, actor, now, result):
    visits = {row["pk"]: row for row in Encounter.objects.filter(
        pk__in={row.get("encounter_id") for row in chunk} - {None}).values(
        "pk", "patient_id", "practitioner_id", "started_at")}
    wanted = {row.get("patient_id") for row in chunk} | {v["patient_id"] for v in visits.values()}
    refs = dict(Patient.objects.filter(pk__in=wanted - {None}).values_list("pk", "subject_ref"))
    keystore.load_subject_keys(clinic.id, set(refs.values()))  # one keystore query, not one per patient
    transaction.on_commit(lambda: keystore.forget_subject_keys(clinic.id, set(refs.values())))
    # Whole patients: the rules read age and sex (entitlements, pregnancy code B).
    patients = {p.pk: p for p in Patient.objects.defer("details").filter(pk__in=list(refs))}
    doctors = set(Practitioner.objects.filter(
        profession=Profession.DOCTOR,
        pk__in={row.get("practitioner_id") for row in chunk} | {v["practitioner_id"] for v in visits.values()},
    ).values_list("pk", flat=True))
    problems, items = [], []
    for i, row in enumerate(chunk, start=first):
        try:
            items.append(_clean(row, visits, patients, doctors, now))
        except ValidationError as error:
            problems.extend(problems_of(error, i))
    problems.extend(_taken_numbers(chunk, first, items if not problems else []))
    if problems:
        raise ImportRejected(problems)
    _store(clinic, items, actor, result)


def _clean(row, visits, patients, doctors, now) -> _Item:
    try:
        kind = DocKind(row.get("kind"))
    except ValueError:
        raise ValidationError({"kind": _("Choose the document kind: rx, ref or zla.")}) from None
    visit = None
    if row.get("encounter_id") is not None:
        visit = visits.get(row["encounter_id"])
        if visit is None:
            raise ValidationError({"encounter": _("Choose a visit of this clinic.")})
        if row.get("patient_id") is not None and row["patient_id"] != visit["patient_id"]:
            raise ValidationError({"__all__": _("The visit belongs to another patient.")})
    patient = patients.get(visit["patient_id"] if visit else row.get("patient_id"))
    if patient is None:
        raise ValidationError({"__all__": _("Choose the patient or the visit the document is for.")})
    if not patient.is_active or patient.merged_into_id:
        raise ValidationError({"__all__": _("This patient record is closed (merged into another); "
                                            "issue the document on the current record.")})
    practitioner_id = row.get("practitioner_id") or (visit["practitioner_id"] if visit else None)
    if practitioner_id not in doctors:
        raise ValidationError({"practitioner": _("Choose a doctor of this clinic: documents are issued under a "
                                                 "doctor's licence number.")})
    issued_at = row.get("issued_at")
    if (not isinstance(issued_at, datetime.datetime) or timezone.is_naive(issued_at) or issued_at > now
            or (visit is not None and issued_at < visit["started_at"])):
        raise ValidationError({"issued_at": _("Give when the document was issued (with its time zone): not in "
                                              "the future, and not before its visit began.")})
    issued_on = timezone.localdate(issued_at)
    if kind == DocKind.PRESCRIPTION:
        contents = rules.clean_prescriptions(row.get("items"), patient=patient, issued_on=issued_on)
    elif kind == DocKind.REFERRAL:
        contents = [rules.clean_referral(_form(row), issued_on=issued_on)]
    else:
        contents = [rules.clean_sick_leave(_form(row), patient=patient, issued_on=issued_on)]
    numbers = row.get("numbers")
    if numbers is not None and (not isinstance(numbers, list) or len(numbers) != len(contents)
                                or not all(isinstance(n, str) and is_valid_number(kind, n) for n in numbers)):
        raise ValidationError({"numbers": _("Give one number per document, of the form of its kind "
                                            "(e.g. RX-2026-000042).")})
    return _Item(kind, patient, practitioner_id, visit["pk"] if visit else None, issued_at, contents, numbers)


def _taken_numbers(chunk, first, items) -> list:
    """Rows whose own numbers are already used in the clinic or by another row of the chunk."""
    problems, seen = [], set()
    wanted = {kind: [] for kind in DocKind}
    for i, item in enumerate(items, start=first):
        for number in item.numbers or []:
            if (item.kind, number) in seen:
                problems.append(RowProblem(i, "numbers", _("The number %(number)s is given twice.")
                                           % {"number": number}))
            seen.add((item.kind, number))
            wanted[item.kind].append((i, number))
    for kind, model in ((DocKind.PRESCRIPTION, Prescription), (DocKind.REFERRAL, Referral),
                        (DocKind.SICK_LEAVE, SickLeave)):
        rows = dict((number, i) for i, number in wanted[kind])
        if rows:
            for number in model.objects.filter(number__in=list(rows)).values_list("number", flat=True):
                problems.append(RowProblem(rows[number], "numbers", _("The number %(number)s is already used.")
                                           % {"number": number}))
    return problems


def _form(row) -> dict:
    data = row.get("data")
    if not isinstance(data, dict):
        raise ValidationError({"data": _("Send the document's fields as an object.")})
    return data


def _numbers(items) -> dict:
    """Numbers for every document of the chunk, from the clinic's sequences of each issue year."""
    wanted: dict[tuple, int] = {}
    for item in items:
        if item.numbers is not None:
            continue
        key = (item.kind, timezone.localdate(item.issued_at).year)
        wanted[key] = wanted.get(key, 0) + len(item.contents)
    return {key: iter(take_numbers(key[0], key[1], count)) for key, count in sorted(wanted.items())}


def _store(clinic, items, actor, result):
    if not items:
        return
    numbers = _numbers(items)
    for kind in DocKind:
        keep_numbers(kind, [n for item in items if item.kind == kind for n in item.numbers or []])
    packages = PrescriptionPackage.objects.bulk_create([
        PrescriptionPackage(clinic=clinic, patient=item.patient, practitioner_id=item.practitioner_id,
                            encounter_id=item.encounter_id)
        for item in items if item.kind == DocKind.PRESCRIPTION])
    package_of = iter(packages)
    documents = {DocKind.PRESCRIPTION: [], DocKind.REFERRAL: [], DocKind.SICK_LEAVE: []}
    units = []  # (kind, unit object, its documents)
    for item in items:
        year = timezone.localdate(item.issued_at).year
        common = {"clinic": clinic, "patient": item.patient, "practitioner_id": item.practitioner_id,
                  "encounter_id": item.encounter_id, "status": DocStatus.IMPORTED, "signed_at": item.issued_at}
        if item.kind == DocKind.PRESCRIPTION:
            package = next(package_of)
            own = iter(item.numbers or [])
            made = [Prescription(package=package, number=next(own) if item.numbers else next(numbers[item.kind, year]),
                                 content=content, **common)
                    for content in item.contents]
            units.append((item.kind, package, made))
        else:
            model = Referral if item.kind == DocKind.REFERRAL else SickLeave
            number = item.numbers[0] if item.numbers else next(numbers[item.kind, year])
            made = [model(number=number, content=item.contents[0], **common)]
            units.append((item.kind, made[0], made))
        documents[item.kind].extend(made)
    for kind, model in ((DocKind.PRESCRIPTION, Prescription), (DocKind.REFERRAL, Referral),
                        (DocKind.SICK_LEAVE, SickLeave)):
        model.objects.bulk_create(documents[kind])
    DocumentEvent.objects.bulk_create([
        DocumentEvent(clinic=clinic, kind=kind, document_id=document.pk, from_status="", to_status=DocStatus.IMPORTED,
                      detail=f"imported as history: issued {timezone.localdate(document.signed_at).isoformat()} "
                             f"outside klinika; not sent to {statuses.platform_name(kind)} by klinika")
        for kind, _unit, made in units for document in made])
    record_many(Action.CREATE, [(PACKAGE_TYPE if kind == DocKind.PRESCRIPTION else OBJECT_TYPE[kind], unit.pk,
                                 made[0].patient.subject_ref) for kind, unit, made in units],
                reason=IMPORTED, clinic_id=clinic.id, actor=actor)
    result.prescriptions += len(documents[DocKind.PRESCRIPTION])
    result.packages += len(packages)
    result.referrals += len(documents[DocKind.REFERRAL])
    result.sick_leaves += len(documents[DocKind.SICK_LEAVE])
    result.unit_ids.extend((str(kind), unit.pk) for kind, unit, _made in units)
