"""Bulk import of measurements and allergies (history): the rules of the single-item services, row by row.

import_vitals() checks each row's values with validators.clean_vitals (the ranges and pairs the
measurement form applies, BMI computed, never entered) and import_allergies() with
validators.clean_allergy (what add_allergy applies). Each row keeps its real past moment
(recorded_at); the values are sealed under the patient's key by the fields' pre_save; one CREATE
audit event per row, reason "imported". Each chunk is one transaction; a refused row names its
index and field, and nothing of its chunk is stored.
"""
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.models import User
from klinika.audit.context import Actor
from klinika.audit.models import Action
from klinika.audit.services import record_many
from klinika.bulk import CHUNK, IMPORTED, ImportRejected, import_in_chunks, problems_of
from klinika.crypto import keystore
from klinika.patients.models import Patient
from klinika.records import validators
from klinika.records.models import Allergy, Encounter, VitalSigns


@dataclass
class ClinicalImportResult:
    count: int = 0
    ids: list = field(default_factory=list)  # in row order


def _run(clinic, rows, chunk_size, one_chunk) -> ClinicalImportResult:
    return import_in_chunks(clinic, rows, chunk_size, one_chunk, ClinicalImportResult())


def _context(clinic, chunk):
    """The chunk's patients (sealed personal data loaded only when a rule needs it) and the users it names."""
    patients = {p.pk: p for p in Patient.objects.defer("personal", "details").filter(
        pk__in={row.get("patient_id") for row in chunk}, is_active=True, merged_into__isnull=True)}
    users = set(User.objects.filter(clinic=clinic, pk__in={row.get("recorded_by_id") for row in chunk})
                .values_list("pk", flat=True))
    return patients, users


def _common(row, patients, users, now):
    patient = patients.get(row.get("patient_id"))
    if patient is None:
        raise ValidationError({"patient": _("Choose a patient of this clinic whose record is in use.")})
    if row.get("recorded_by_id") not in users:
        raise ValidationError({"recorded_by": _("Choose a user of this clinic who recorded it.")})
    recorded_at = row.get("recorded_at") or now
    if not isinstance(recorded_at, datetime.datetime) or timezone.is_naive(recorded_at) or recorded_at > now:
        raise ValidationError({"recorded_at": _("Give the moment it was recorded (with its time zone), not in "
                                                "the future.")})
    return patient, recorded_at


def _load_keys(clinic, patients):
    refs = {p.subject_ref for p in patients}
    keystore.load_subject_keys(clinic.id, refs)  # one keystore query, not one per patient
    transaction.on_commit(lambda: keystore.forget_subject_keys(clinic.id, refs))


def import_vitals(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK,
                  now: datetime.datetime | None = None) -> ClinicalImportResult:
    """rows: patient_id, values (the measurement form's names: bp_systolic, bp_diastolic, pulse,
    temperature, weight_kg, height_cm, pregnancy_week), recorded_by_id (a user of the clinic),
    recorded_at (when measured; now if not given) and optionally encounter_id (a visit of that patient)."""
    now = now or timezone.now()

    def one_chunk(clinic, chunk, first, result):
        patients, users = _context(clinic, chunk)
        visits = dict(Encounter.objects.filter(pk__in={row.get("encounter_id") for row in chunk} - {None})
                      .values_list("pk", "patient_id"))
        _load_keys(clinic, patients.values())
        problems, items = [], []
        for i, row in enumerate(chunk, start=first):
            try:
                patient, recorded_at = _common(row, patients, users, now)
                encounter_id = row.get("encounter_id")
                if encounter_id is not None and visits.get(encounter_id) != patient.pk:
                    raise ValidationError({"encounter": _("Choose a visit of this patient.")})
                values = row.get("values")
                # Sex matters only for a week of pregnancy: the patient's sealed data is opened only then.
                sex = patient.sex if isinstance(values, dict) and values.get("pregnancy_week") not in (None, "") \
                    else ""
                cleaned = validators.clean_vitals(values, patient_sex=sex)
            except ValidationError as error:
                problems.extend(problems_of(error, i))
                continue
            items.append(VitalSigns(clinic=clinic, patient=patient, encounter_id=encounter_id, values=cleaned,
                                    recorded_by_id=row["recorded_by_id"], recorded_at=recorded_at))
        if problems:
            raise ImportRejected(problems)
        VitalSigns.objects.bulk_create(items)
        record_many(Action.CREATE, [("vital-signs", v.pk, v.patient.subject_ref) for v in items], reason=IMPORTED,
                    clinic_id=clinic.id, actor=actor)
        result.count += len(items)
        result.ids.extend(v.pk for v in items)

    return _run(clinic, rows, chunk_size, one_chunk)


def import_allergies(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK,
                     now: datetime.datetime | None = None) -> ClinicalImportResult:
    """rows: patient_id, substance, reaction, severity ("", mild, moderate, severe), recorded_by_id,
    recorded_at (when noted; now if not given) and optionally is_active (True)."""
    now = now or timezone.now()

    def one_chunk(clinic, chunk, first, result):
        patients, users = _context(clinic, chunk)
        _load_keys(clinic, patients.values())
        problems, items = [], []
        for i, row in enumerate(chunk, start=first):
            try:
                patient, recorded_at = _common(row, patients, users, now)
                substance, reaction, severity = validators.clean_allergy(
                    row.get("substance"), row.get("reaction", ""), row.get("severity", ""))
                active = row.get("is_active", True)
                if not isinstance(active, bool):
                    raise ValidationError({"is_active": _("Say whether the allergy is active (true or false).")})
            except ValidationError as error:
                problems.extend(problems_of(error, i))
                continue
            items.append(Allergy(clinic=clinic, patient=patient, substance=substance, reaction=reaction,
                                 severity=severity, is_active=active, recorded_by_id=row["recorded_by_id"],
                                 recorded_at=recorded_at))
        if problems:
            raise ImportRejected(problems)
        Allergy.objects.bulk_create(items)
        record_many(Action.CREATE, [("allergy", a.pk, a.patient.subject_ref) for a in items], reason=IMPORTED,
                    clinic_id=clinic.id, actor=actor)
        result.count += len(items)
        result.ids.extend(a.pk for a in items)

    return _run(clinic, rows, chunk_size, one_chunk)
