"""The patient summary on top of the visit screen: active problems, recent visits, allergies, the
latest measurements, recent attachments.

It runs a fixed number of queries however long the history is (one per table, nothing per
visit): the test suite holds it to the same bound for 5 and 50 visits, and
bench/patient_summary.py measures it for hundreds.
"""
import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.patients.models import Patient
from klinika.records.models import Allergy, Attachment, Encounter, VitalSigns
from klinika.records.problems import Problem, active_problems
from klinika.records.services import as_pk
from klinika.staff.models import Practitioner

RECENT_VISITS = 10
RECENT_ATTACHMENTS = 5


@dataclass(frozen=True)
class Tables:
    """The models the summary reads (the benchmark passes plaintext twins of the same shape)."""

    patient: type = Patient
    encounter: type = Encounter
    practitioner: type = Practitioner
    allergy: type = Allergy
    vitals: type = VitalSigns
    attachment: type = Attachment
    # (kind, model) of the documents counted per visit; None: those registered below.
    documents: tuple | None = None


TABLES = Tables()

# Documents issued during a visit (e-prescriptions, e-referrals, ...) are counted on each visit
# line. The apps that issue them build on records, so they register their tables here at start-up
# (edocs.apps) rather than records importing them.
DOCUMENT_TABLES: list[tuple[str, type]] = []


def register_document_table(kind: str, model: type) -> None:
    if (kind, model) not in DOCUMENT_TABLES:
        DOCUMENT_TABLES.append((kind, model))


@dataclass
class VisitLine:
    id: int
    started_at: datetime.datetime
    status: str
    is_signed: bool
    version: int
    practitioner: str
    main_diagnosis: dict | None
    documents: dict = field(default_factory=dict)  # DocKind -> how many were issued in the visit


@dataclass
class PatientSummary:
    patient: object
    problems: list[Problem]
    recent_visits: list[VisitLine]
    visit_count: int
    allergies: list
    vitals: object | None
    attachments: list


class _Visit(NamedTuple):
    pk: int
    started_at: datetime.datetime
    status: str
    practitioner_id: int
    current__number: int | None
    current__signed_at: datetime.datetime | None
    current__content: dict | None


def patient_summary(user, patient_id, *, now=None, recent=RECENT_VISITS) -> PatientSummary:
    """The summary for a clinician; 404 for another clinic's patient; audited as one read of the record."""
    require(user, "records.view_clinical")
    patient = get_object_or_404(Patient.objects, pk=as_pk(patient_id))
    summary = build_summary(patient, now=now, recent=recent)
    record(Action.READ, object_type="clinical-summary", object_id=patient.pk, subject_ref=patient.subject_ref)
    return summary


def build_summary(patient, *, tables: Tables = TABLES, now=None, recent=RECENT_VISITS) -> PatientSummary:
    """The reading itself, without policy or audit (those are the caller's)."""
    now = now or timezone.now()
    # Tuples, not model instances: a long history is hundreds of rows, and only these columns are shown.
    encounters = [_Visit(*row) for row in tables.encounter.objects.filter(patient=patient)
                  .order_by("-started_at", "-pk").values_list(*_Visit._fields)]
    signed = [(e.started_at, e.current__content) for e in encounters if e.current__signed_at is not None]
    latest = encounters[:recent]
    return PatientSummary(
        patient=patient,
        problems=active_problems(signed, now),
        recent_visits=_visit_lines(latest, tables),
        visit_count=len(encounters),
        allergies=list(tables.allergy.objects.filter(patient=patient, is_active=True).order_by("pk")),
        vitals=(tables.vitals.objects.filter(patient=patient, superseded_by__isnull=True)
                .order_by("-recorded_at", "-pk").first()),
        attachments=list(tables.attachment.objects.filter(patient=patient).defer("description")
                         .order_by("-uploaded_at", "-pk")[:RECENT_ATTACHMENTS]),
    )


def _visit_lines(encounters, tables: Tables) -> list[VisitLine]:
    if not encounters:
        return []
    ids = [e.pk for e in encounters]
    names = {p.pk: str(p) for p in tables.practitioner.objects.select_related("staff")
             .filter(pk__in={e.practitioner_id for e in encounters})}
    documents: dict[int, dict] = {pk: {} for pk in ids}
    for kind, model in DOCUMENT_TABLES if tables.documents is None else tables.documents:
        counts = model.objects.filter(encounter_id__in=ids).order_by().values("encounter_id").annotate(n=Count("id"))
        for row in counts:
            documents[row["encounter_id"]][kind] = row["n"]
    lines = []
    for e in encounters:
        content = e.current__content or {}
        main = next((d for d in content.get("diagnoses") or [] if d.get("main")), None)
        lines.append(VisitLine(
            id=e.pk, started_at=e.started_at, status=e.status,
            is_signed=e.status == Encounter.Status.SIGNED, version=e.current__number or 0,
            practitioner=names.get(e.practitioner_id, ""), main_diagnosis=main, documents=documents[e.pk]))
    return lines
