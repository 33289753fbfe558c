"""Bulk import of signed visit records (history): one encounter and its signed first version per row.

Every row's content goes through the visit form's rules (validators.clean_content: codes from the
code list, names filled in) and the signing rule (exactly one main diagnosis). The content is
sealed under the patient's key by the field's pre_save; a signed version stays immutable (the
database's triggers); one visit per appointment (the database's unique key). Each chunk is one
transaction; a refused row names its index and field. One CREATE audit event per encounter,
reason "imported".
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
from klinika.bulk import CHUNK, IMPORTED, ImportRejected, chunks, problems_of
from klinika.crypto import keystore
from klinika.patients.models import Patient
from klinika.records import validators
from klinika.records.models import Encounter, EncounterVersion
from klinika.records.services import codes
from klinika.scheduling.models import Appointment, AppointmentStatus
from klinika.tenancy.context import clinic_context


@dataclass
class EncounterImportResult:
    count: int = 0
    ids: list = field(default_factory=list)


def import_encounters(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK,
                      now: datetime.datetime | None = None) -> EncounterImportResult:
    """rows: appointment_id (a completed appointment), content (the visit form's fields: interview,
    examination, recommendations, diagnoses, procedures) and signed_at (when the practitioner
    signed; from the appointment's end if not given). The appointment's practitioner is the author
    and signer."""
    now = now or timezone.now()
    result = EncounterImportResult()
    with clinic_context(clinic):
        for number, chunk in enumerate(chunks(rows, chunk_size)):
            stored = result.count
            try:
                with transaction.atomic(), codes.memoised():
                    _import_chunk(clinic, chunk, number * chunk_size, actor, now, result)
            except ImportRejected as rejected:
                raise ImportRejected(rejected.problems, stored=stored) from None
    return result


def _import_chunk(clinic, chunk, first, actor, now, result):
    appointments = {a.pk: a for a in Appointment.objects.select_related("practitioner__staff").defer(
        "reason", "cancel_reason").filter(pk__in={row.get("appointment_id") for row in chunk})}
    recorded = set(Encounter.objects.filter(appointment_id__in=list(appointments)).values_list(
        "appointment_id", flat=True))
    patients = {p.pk: p for p in Patient.objects.defer("personal", "details").filter(
        pk__in={a.patient_id for a in appointments.values()})}
    problems, items, seen = [], [], set()
    for i, row in enumerate(chunk, start=first):
        try:
            appointment = appointments.get(row.get("appointment_id"))
            if appointment is None or appointment.status != AppointmentStatus.COMPLETED:
                raise ValidationError({"appointment": _("Choose a completed appointment of this clinic.")})
            if appointment.pk in recorded or appointment.pk in seen:
                raise ValidationError({"appointment": _("This appointment already has a visit record.")})
            content = validators.clean_content(row.get("content") or {})
            validators.check_signable(content)
            started_at = appointment.starts_at
            signed_at = row.get("signed_at") or appointment.ends_at
            if not isinstance(signed_at, datetime.datetime) or not started_at <= signed_at <= now:
                raise ValidationError({"signed_at": _("A visit is signed after it starts, and not in the future.")})
        except ValidationError as error:
            problems.extend(problems_of(error, i))
            continue
        seen.add(appointment.pk)
        items.append((appointment, content, started_at, signed_at))
    if problems:
        raise ImportRejected(problems)
    if not items:
        return
    refs = {patients[a.patient_id].subject_ref for a, *_rest in items}
    keystore.load_subject_keys(clinic.id, refs)
    transaction.on_commit(lambda: keystore.forget_subject_keys(clinic.id, refs))
    encounters = Encounter.objects.bulk_create([
        Encounter(clinic=clinic, patient=patients[a.patient_id], practitioner=a.practitioner, appointment=a,
                  started_at=started_at, status=Encounter.Status.SIGNED, signed_at=signed_at)
        for a, _content, started_at, signed_at in items])
    signer = {a.pk: a.practitioner.staff.user_id for a, *_rest in items}
    versions = EncounterVersion.objects.bulk_create([
        EncounterVersion(clinic=clinic, encounter=encounter, number=1, content=content,
                         author_id=signer[a.pk], signed_by_id=signer[a.pk], signed_at=signed_at, created_at=started_at)
        for encounter, (a, content, started_at, signed_at) in zip(encounters, items, strict=True)])
    # The first version names its encounter and the encounter its current version: one of the two
    # links is set once both rows exist (on the encounter, never on the signed version).
    for encounter, version in zip(encounters, versions, strict=True):
        encounter.current = version
    Encounter.objects.bulk_update(encounters, ["current"])
    record_many(Action.CREATE, [("encounter", e.pk, e.patient.subject_ref) for e in encounters], reason=IMPORTED,
                clinic_id=clinic.id, actor=actor)
    result.count += len(encounters)
    result.ids.extend(e.pk for e in encounters)

