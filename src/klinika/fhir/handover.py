"""The FHIR part of the handover export (`klinika clinic export`) and of `klinika clinic import`.

Export: `count(type)` and `iter_resources(type, after=None)` under the clinic's context. Rows are read
in primary-key chunks; each chunk's subject keys are loaded in one keystore query and forgotten after
it (as testdata/export.py does), so memory stays one chunk whatever the clinic's size. The order is
stable (by key) and each resource comes with a resume key: iter_resources(type, after=key) goes on
right after it. A crypto-erased person's rows (their values no longer decrypt) are left out, so
count() is an upper bound by that many.

What is exported: the clinic (Organization, with its visit types and rooms), every staff member
(Practitioner) and practitioner (PractitionerRole), weekly hours and their exceptions (Schedule),
patients not merged into another record (Patient, Consent), appointments, visits with the content
of their latest signed version (Encounter, Condition, Procedure), the measurements no correction
replaced (Observation), allergies, e-prescriptions (MedicationRequest), e-referrals
(ServiceRequest), attachments and e-sick-leaves (DocumentReference) and the audit trail
(AuditEvent, no personal data).

Import: `ImportSession(clinic, read_attachment).load(type, dicts)` in RESOURCE_TYPES order, then
`finish()`. Every resource is parsed (validated) by its fhir.resources model, mapped back to domain
values and stored through the domain's bulk import services (every desk rule, encryption, blind
index, audit event and database guard applies). FHIR ids are mapped to the new keys as rows are
stored (compact arrays when the ids ascend, as an export's do). Conditions and Procedures come
before their Encounters and wait in a temporary SQLite file, joined per chunk of visits, so memory
stays flat on the way in too.
"""
import bisect
import json
import os
import sqlite3
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from klinika.accounts.models import StaffMember, User
from klinika.accounts.services.bulk import import_staff
from klinika.audit.context import Actor
from klinika.audit.models import AuditEvent
from klinika.bulk import ImportRejected, chunks
from klinika.crypto import keystore
from klinika.crypto.fields import ERASED
from klinika.edocs.models import Drug, Prescription, Referral, SickLeave
from klinika.edocs.services.bulk import import_documents
from klinika.fhir.common import fid, staff_ids_of_users
from klinika.fhir.mappers import (
    allergy_intolerance,
    appointment,
    audit_event,
    condition,
    consent,
    document_reference,
    encounter,
    medication_request,
    observation,
    organization,
    patient,
    practitioner,
    practitioner_role,
    procedure,
    schedule,
    service_request,
)
from klinika.fhir.mappers.document_reference import attachment_path  # noqa: F401 - part of the contract
from klinika.patients.models import Patient, PatientIdentifier
from klinika.patients.services.bulk import import_consents, import_patients
from klinika.records.models import Allergy, Attachment, Encounter, EncounterVersion, VitalSigns
from klinika.records.services.attachments import import_attachment
from klinika.records.services.bulk import import_encounters
from klinika.records.services.bulk_clinical import import_allergies, import_vitals
from klinika.scheduling.models import Appointment, AvailabilityException, Room, VisitType, WeeklyAvailability
from klinika.scheduling.services.bulk import (
    import_appointments,
    import_exceptions,
    import_visit_types,
    import_weekly_hours,
)
from klinika.staff.models import Practitioner
from klinika.staff.services.bulk import import_practitioners
from klinika.tenancy.context import clinic_context, require_clinic_id

# Import order: what a resource references comes before it.
RESOURCE_TYPES = ("Organization", "Practitioner", "PractitionerRole", "Schedule", "Patient", "Consent",
                  "Appointment", "Condition", "Procedure", "Encounter", "Observation", "AllergyIntolerance",
                  "MedicationRequest", "ServiceRequest", "DocumentReference", "AuditEvent")
MODELS = {
    "Organization": organization, "Practitioner": practitioner, "PractitionerRole": practitioner_role,
    "Schedule": schedule, "Patient": patient, "Consent": consent, "Appointment": appointment,
    "Condition": condition, "Procedure": procedure, "Encounter": encounter, "Observation": observation,
    "AllergyIntolerance": allergy_intolerance, "MedicationRequest": medication_request,
    "ServiceRequest": service_request, "DocumentReference": document_reference, "AuditEvent": audit_event,
}
IMPORT_ACTOR = Actor(None, "handover-import")
BATCH = 1000


def _resource_class(resource_type: str):
    import importlib

    return getattr(importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}"), resource_type)


# =========================================================================== export

def _erased(*values) -> bool:
    for value in values:
        if value is ERASED or (isinstance(value, dict) and any(v is ERASED for v in value.values())):
            return True
    return False


def _sources(resource_type: str, audit_until: int | None = None):
    """(tag, queryset) pairs read in this order; a resume key is [tag, pk, index]."""
    live_patients = Q(patient__merged_into__isnull=True)
    return {
        "Practitioner": [("", StaffMember.objects.select_related("user"))],
        "PractitionerRole": [("", Practitioner.objects.prefetch_related("specialties"))],
        "Schedule": [("h", WeeklyAvailability.objects.select_related("room").prefetch_related("visit_types")),
                     ("x", AvailabilityException.objects.select_related("room").prefetch_related("visit_types"))],
        "Patient": [("", Patient.objects.filter(merged_into__isnull=True))],
        "Consent": [("", Patient.objects.filter(merged_into__isnull=True))],
        "Appointment": [("", Appointment.objects.filter(live_patients).select_related("visit_type", "room"))],
        "Encounter": [("", Encounter.objects.filter(live_patients))],
        "Condition": [("", Encounter.objects.filter(live_patients))],
        "Procedure": [("", Encounter.objects.filter(live_patients))],
        "Observation": [("", VitalSigns.objects.filter(live_patients, superseded_by__isnull=True))],
        "AllergyIntolerance": [("", Allergy.objects.filter(live_patients))],
        "MedicationRequest": [("", Prescription.objects.filter(live_patients))],
        "ServiceRequest": [("", Referral.objects.filter(live_patients))],
        "DocumentReference": [("a", Attachment.objects.filter(live_patients)),
                              ("z", SickLeave.objects.filter(live_patients))],
        "AuditEvent": [("", AuditEvent.objects.all() if audit_until is None
                        else AuditEvent.objects.filter(seq__lte=audit_until))],
    }[resource_type]


def count(resource_type: str, *, audit_until: int | None = None) -> int:
    """How many resources of the type the export holds (under clinic_context(clinic)); audit_until
    stops the audit events at a sequence number (an export's snapshot of the chain)."""
    if resource_type not in MODELS:
        raise ValueError(f"Unknown resource type {resource_type!r}; one of: {', '.join(RESOURCE_TYPES)}")
    if resource_type == "Organization":
        return 1
    if resource_type in ("Condition", "Procedure"):
        field = "diagnoses" if resource_type == "Condition" else "procedures"
        return sum(1 for _key, _resource in _derived(field, None, 500, count_only=True))
    return sum(qs.count() for _tag, qs in _sources(resource_type, audit_until))


def iter_resources(resource_type: str, *, after=None, chunk_size: int = 500,
                   audit_until: int | None = None) -> Iterator[tuple[list, object]]:
    """Yield (resume_key, resource) in a stable order, a chunk of rows at a time (under clinic_context)."""
    if resource_type not in MODELS:
        raise ValueError(f"Unknown resource type {resource_type!r}; one of: {', '.join(RESOURCE_TYPES)}")
    if resource_type == "Organization":
        if after is None:
            yield ["", 0, 0], _organization()
        return
    if resource_type in ("Condition", "Procedure"):
        yield from _derived("diagnoses" if resource_type == "Condition" else "procedures", after, chunk_size)
        return
    people = staff_ids_of_users(User.objects.filter(clinic_id=require_clinic_id()).values_list("pk", flat=True))
    for tag, rows in _chunked(resource_type, after, chunk_size, audit_until):
        with _SubjectKeys(_subject_refs(rows)):
            yield from _resources(resource_type, tag, rows, people)


def _organization():
    from klinika.tenancy.models import Clinic

    clinic = Clinic.objects.get(pk=require_clinic_id())
    return organization.to_fhir(clinic, visit_types=list(VisitType.objects.order_by("pk")),
                                rooms=list(Room.objects.order_by("pk")))


def _chunked(resource_type, after, chunk_size, audit_until=None) -> Iterator[tuple[str, list]]:
    sources = _sources(resource_type, audit_until)
    tags = [tag for tag, _qs in sources]
    start_tag, last = (after[0], after[1]) if after else (tags[0], None)
    for tag, queryset in sources[tags.index(start_tag):]:
        position = last if tag == start_tag else None
        while True:
            page = queryset.order_by("pk")
            if position is not None:
                page = page.filter(pk__gt=position)
            rows = list(page[:chunk_size])
            if rows:
                yield tag, rows
            if len(rows) < chunk_size:  # a short page is the last one
                break
            position = rows[-1].pk


def _subject_refs(rows) -> list:
    if not rows:
        return []
    first = rows[0]
    if isinstance(first, Patient | StaffMember):
        return [row.subject_ref for row in rows]
    if isinstance(first, Practitioner):
        return list(StaffMember.objects.filter(pk__in={r.staff_id for r in rows}).values_list("subject_ref",
                                                                                                flat=True))
    if hasattr(first, "patient_id"):
        return list(Patient.objects.filter(pk__in={r.patient_id for r in rows}).values_list("subject_ref",
                                                                                            flat=True))
    return []


class _SubjectKeys:
    """The subject keys of one chunk cached for its block, dropped after it (even if the reader stops)."""

    def __init__(self, refs):
        self.clinic_id, self.refs = require_clinic_id(), list(refs)

    def __enter__(self):
        if self.refs:
            keystore.load_subject_keys(self.clinic_id, self.refs)
        return self

    def __exit__(self, *exc):
        if self.refs:
            keystore.forget_subject_keys(self.clinic_id, self.refs)


def _shown_versions(encounter_ids) -> dict:
    """encounter pk -> the version its export shows: the latest signed one, else the current one."""
    current = dict(Encounter.objects.filter(pk__in=encounter_ids).values_list("pk", "current_id"))
    signed, draft = {}, {}
    for version in EncounterVersion.objects.filter(encounter_id__in=encounter_ids).order_by("encounter_id", "number"):
        if version.signed_at is not None:
            signed[version.encounter_id] = version  # by number: the latest wins
        if version.pk == current.get(version.encounter_id):
            draft[version.encounter_id] = version
    return {pk: signed.get(pk) or draft.get(pk) for pk in encounter_ids if signed.get(pk) or draft.get(pk)}


def _resources(resource_type, tag, rows, people) -> Iterator[tuple[list, object]]:
    if resource_type == "Patient":
        former: dict[int, list] = {}
        for identifier in PatientIdentifier.objects.filter(patient_id__in=[r.pk for r in rows],
                                                            replaced_at__isnull=False).order_by("pk"):
            former.setdefault(identifier.patient_id, []).append(identifier)
    if resource_type == "Encounter":
        versions = _shown_versions([r.pk for r in rows])
    for row in rows:
        key = [tag, row.pk, 0]
        if resource_type == "Practitioner":
            if _erased(row.first_name, row.last_name):
                continue
            yield key, practitioner.to_fhir(row)
        elif resource_type == "PractitionerRole":
            yield key, practitioner_role.to_fhir(row)
        elif resource_type == "Schedule":
            yield key, schedule.to_fhir(row)
        elif resource_type == "Patient":
            if _erased(row.first_name, row.document_number):
                continue
            yield key, patient.to_fhir(row, former=former.get(row.pk, []))
        elif resource_type == "Consent":
            yield key, consent.to_fhir(row)
        elif resource_type == "Appointment":
            if _erased(row.reason, row.cancel_reason):
                continue
            yield key, appointment.to_fhir(row, people=people)
        elif resource_type == "Encounter":
            version = versions.get(row.pk)
            if version is None or _erased(version.content):
                continue
            yield key, encounter.to_fhir(row, version=version, people=people)
        elif resource_type == "Observation":
            if _erased(row.values):
                continue
            yield key, observation.to_fhir(row, people=people)
        elif resource_type == "AllergyIntolerance":
            if _erased(row.substance, row.reaction):
                continue
            yield key, allergy_intolerance.to_fhir(row, people=people)
        elif resource_type == "MedicationRequest":
            if _erased(row.content):
                continue
            yield key, medication_request.to_fhir(row)
        elif resource_type == "ServiceRequest":
            if _erased(row.content):
                continue
            yield key, service_request.to_fhir(row)
        elif resource_type == "DocumentReference":
            if _erased(getattr(row, "content", None), getattr(row, "original_name", None)):
                continue
            yield key, document_reference.to_fhir(row, people=people)
        elif resource_type == "AuditEvent":
            yield key, audit_event.to_fhir(row)


def _derived(field: str, after, chunk_size, *, count_only=False) -> Iterator[tuple[list, object]]:
    """Conditions or Procedures: the entries of each visit's shown content, [tag, visit pk, position]."""
    mapper = condition if field == "diagnoses" else procedure
    start = after[1] if after else None
    queryset = _sources("Encounter")[0][1]
    position = None if start is None else start - 1
    while True:
        page = queryset.order_by("pk")
        if position is not None:
            page = page.filter(pk__gt=position)
        rows = list(page[:chunk_size])
        if not rows:
            return
        with _SubjectKeys(_subject_refs(rows)):
            versions = _shown_versions([r.pk for r in rows])
            for row in rows:
                version = versions.get(row.pk)
                if version is None or _erased(version.content) or not isinstance(version.content, dict):
                    continue
                for index, entry in enumerate(version.content.get(field) or []):
                    if after is not None and row.pk == after[1] and index <= after[2]:
                        continue
                    key = ["", row.pk, index]
                    yield key, (None if count_only else mapper.to_fhir(row, index, entry))
        if len(rows) < chunk_size:
            return
        position = rows[-1].pk


# =========================================================================== import

class ImportFailed(ValueError):
    """A resource the import could not take: the message names its type, its id or row, and the field."""


class IdMap:
    """FHIR id -> new primary key. Two arrays (16 bytes an entry) while the ids are whole numbers in
    ascending order, as an export writes them; a dict for anything else."""

    def __init__(self):
        self.keys, self.values, self.other = array("q"), array("q"), {}

    def __setitem__(self, fhir_id, pk):
        if isinstance(fhir_id, str) and fhir_id.isdigit() and (not self.keys or int(fhir_id) > self.keys[-1]):
            self.keys.append(int(fhir_id))
            self.values.append(pk)
        else:
            self.other[fhir_id] = pk

    def get(self, fhir_id, default=None):
        if fhir_id is None:
            return default
        if isinstance(fhir_id, str) and fhir_id.isdigit():
            at = bisect.bisect_left(self.keys, int(fhir_id))
            if at < len(self.keys) and self.keys[at] == int(fhir_id):
                return self.values[at]
        return self.other.get(fhir_id, default)

    def __contains__(self, fhir_id):
        return self.get(fhir_id) is not None

    def __len__(self):
        return len(self.keys) + len(self.other)


class ImportSession:
    """Creates a clinic's objects in a fresh clinic from FHIR resources (dicts), type by type in
    RESOURCE_TYPES order. `read_attachment(url)` returns the original bytes of an attachment whose
    DocumentReference names `url` (attachment_path)."""

    def __init__(self, clinic, read_attachment: Callable[[str], bytes]):
        self.clinic = clinic
        self.read_attachment = read_attachment
        self.counts: Counter = Counter()
        self.visit_types: dict[str, int] = {}
        self.users: dict[str, int] = {}          # Practitioner id -> the new login's pk
        self.roles: dict[str, int] = {}          # PractitionerRole id -> the new practitioner's pk
        self.pending_staff: list[dict] = []
        self.pending_roles: dict[str, dict] = {}  # by the Practitioner (staff) id it names
        self.patients, self.appointments, self.encounters = IdMap(), IdMap(), IdMap()
        self._spool_dir = tempfile.TemporaryDirectory(prefix="klinika-import-")
        self.spool = sqlite3.connect(os.path.join(self._spool_dir.name, "entries.sqlite3"))
        self.spool.execute("CREATE TABLE entry (field TEXT, encounter TEXT, position INTEGER, body TEXT)")
        self.spool.execute("CREATE INDEX entry_by_visit ON entry (encounter, field, position)")

    # ---- the contract -------------------------------------------------------------------------

    def load(self, resource_type: str, resources: Iterable[dict]) -> int:
        if resource_type not in MODELS:
            raise ImportFailed(f"Unknown resource type {resource_type!r}; one of: {', '.join(RESOURCE_TYPES)}")
        model, mapper = _resource_class(resource_type), MODELS[resource_type]
        seen = 0

        def parsed() -> Iterator[dict]:
            nonlocal seen
            for number, data in enumerate(resources, start=1):
                if not isinstance(data, dict) or data.get("resourceType") != resource_type:
                    raise ImportFailed(f"{resource_type} #{number}: not a {resource_type} resource")
                try:
                    resource = model.model_validate(data)
                except ValueError as error:  # pydantic's ValidationError is a ValueError
                    raise ImportFailed(f"{resource_type} #{number} (id {data.get('id')!r}): not valid FHIR R4: "
                                       f"{str(error).splitlines()[0]}") from None
                seen += 1
                yield mapper.from_fhir(resource)

        with clinic_context(self.clinic):
            if resource_type not in ("Practitioner", "PractitionerRole"):
                self._flush_staff()
            try:
                getattr(self, f"_load_{resource_type}")(parsed())
            except ImportRejected as rejected:
                raise ImportFailed(f"{resource_type}: {rejected.messages[0]}") from None
        self.counts[f"fhir:{resource_type}"] += seen
        return seen

    def finish(self) -> dict[str, int]:
        with clinic_context(self.clinic):
            self._flush_staff()
        self.spool.close()
        self._spool_dir.cleanup()
        return {name: n for name, n in sorted(self.counts.items()) if not name.startswith("fhir:")}

    # ---- the clinic, its people and hours -----------------------------------------------------

    def _load_Organization(self, items):
        for values in items:
            rows = [row for row in values["visit_types"] if row["code"] not in self.visit_types]
            if rows:
                result = import_visit_types(self.clinic, rows, actor=IMPORT_ACTOR)
                self.visit_types.update(zip([r["code"] for r in rows], result.ids, strict=True))
                self.counts["visit_types"] += result.count
            self.counts["rooms_left_out"] += len(values["rooms"])

    def _load_Practitioner(self, items):
        self.pending_staff.extend(items)

    def _load_PractitionerRole(self, items):
        for values in items:
            self.pending_roles[values["staff"]] = values

    def _logins(self, wanted: list[str]) -> list[str]:
        """The exported logins, kept where this installation has them free, else prefixed by the clinic."""
        taken = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        out = []
        for login in wanted:
            if login in taken or login in out or not login:
                login = f"{self.clinic.slug}.{login or 'staff'}"[:60]
                n = 1
                while login in out or User.objects.filter(username=login).exists():
                    n += 1
                    login = f"{self.clinic.slug}.{n}.{login}"[:60]
            out.append(login)
        return out

    def _flush_staff(self):
        if not self.pending_staff:
            return
        staff, self.pending_staff = self.pending_staff, []
        logins = self._logins([s["login"] for s in staff])
        clinicians, others = [], []
        for person, login in zip(staff, logins, strict=True):
            role = self.pending_roles.get(person["id"])
            (clinicians if role is not None and person["profession"] else others).append((person, login, role))
        if clinicians:
            result = import_practitioners(self.clinic, [
                {"first_name": p["first_name"], "last_name": p["last_name"], "profession": p["profession"],
                 "licence_number": p["licence_number"], "title": p["title"], "specialties": r["specialties"],
                 "email": p["email"], "phone": p["phone"], "login": login} for p, login, r in clinicians],
                actor=IMPORT_ACTOR)
            users = dict(Practitioner.objects.filter(pk__in=result.practitioner_ids).values_list("pk",
                                                                                                 "staff__user_id"))
            for (p, _login, r), pk in zip(clinicians, result.practitioner_ids, strict=True):
                self.roles[r["id"]] = pk
                self.users[p["id"]] = users[pk]
            self.counts["practitioners"] += result.count
        if others:
            result = import_staff(self.clinic, [
                {"login": login, "role": p["role"], "first_name": p["first_name"], "last_name": p["last_name"],
                 "email": p["email"], "phone": p["phone"]} for p, login, _r in others], actor=IMPORT_ACTOR)
            for (p, _login, _r), user_id in zip(others, result.user_ids, strict=True):
                self.users[p["id"]] = user_id
            self.counts["other_staff"] += result.count
        self.pending_roles.clear()

    def _types(self, codes) -> list[int]:
        return [self.visit_types.get(code, -1) for code in codes]

    def _load_Schedule(self, items):
        for batch in chunks(items, BATCH):
            weekly = [{"practitioner_id": self.roles.get(v["practitioner"]), "weekday": v["weekday"],
                       "start_time": v["start_time"], "end_time": v["end_time"], "slot_minutes": v["slot_minutes"],
                       "valid_from": v["valid_from"], "valid_until": v["valid_until"],
                       "visit_type_ids": self._types(v["visit_types"])} for v in batch if v["kind"] == "weekly"]
            away = [{"practitioner_id": self.roles.get(v["practitioner"]), "kind": v["kind"],
                     "starts_at": v["starts_at"], "ends_at": v["ends_at"], "slot_minutes": v["slot_minutes"],
                     "note": v["note"], "visit_type_ids": self._types(v["visit_types"])}
                    for v in batch if v["kind"] != "weekly"]
            if weekly:
                self.counts["weekly_hours"] += import_weekly_hours(self.clinic, weekly, actor=IMPORT_ACTOR).count
            if away:
                self.counts["availability_exceptions"] += import_exceptions(self.clinic, away,
                                                                            actor=IMPORT_ACTOR).count

    # ---- patients ---------------------------------------------------------------------------------

    def _patient_row(self, v) -> dict:
        row = {k: v[k] for k in ("first_name", "last_name", "pesel", "pesel_is_mothers", "document_type",
                                 "document_number", "document_country", "birth_date", "sex", "phone", "email",
                                 "guardian_relation")}
        row.update(id=v["id"], address=v["address"] or {})
        if v["guardian"] is not None:
            if v["guardian"] in self.patients:
                row["guardian_id"] = self.patients.get(v["guardian"])
            else:
                row["guardian"] = v["guardian"]  # a row of the same batch: the bulk import orders them
        self.counts["former_identifiers_left_out"] += len(v["former_identifiers"])
        return row

    def _store_patients(self, rows):
        result = import_patients(self.clinic, rows, actor=IMPORT_ACTOR)
        for fhir_id, pk in result.ids.items():
            self.patients[fhir_id] = pk
        self.counts["patients"] += result.count

    def _load_Patient(self, items):
        waiting = []
        for batch in chunks(items, BATCH):
            ids = {v["id"] for v in batch}
            ready = [v for v in batch if v["guardian"] is None or v["guardian"] in self.patients
                     or v["guardian"] in ids]
            waiting += [v for v in batch if not (v["guardian"] is None or v["guardian"] in self.patients
                                                 or v["guardian"] in ids)]
            # a ward whose guardian waits waits too
            held = {v["id"] for v in waiting}
            while True:
                more = [v for v in ready if v["guardian"] in held]
                if not more:
                    break
                waiting += more
                held |= {v["id"] for v in more}
                ready = [v for v in ready if v["id"] not in held]
            if ready:
                self._store_patients([self._patient_row(v) for v in ready])
        while waiting:
            ids = {v["id"] for v in waiting}
            ready = [v for v in waiting if v["guardian"] in self.patients or v["guardian"] in ids]
            batch = ready or waiting  # a guardian in no file: the bulk import refuses the ward by name
            self._store_patients([self._patient_row(v) for v in batch])
            done = {v["id"] for v in batch}
            waiting = [v for v in waiting if v["id"] not in done]

    def _load_Consent(self, items):
        for batch in chunks(items, BATCH):
            rows = [{"patient_id": self.patients.get(v["patient"]), "consent_sms": v["consent_sms"],
                     "consent_email": v["consent_email"], "preferred_channel": v["preferred_channel"],
                     "consent_updated_at": v["consent_updated_at"]} for v in batch]
            self.counts["consents"] += import_consents(self.clinic, rows, actor=IMPORT_ACTOR).count

    # ---- appointments and visits --------------------------------------------------------------------

    def _load_Appointment(self, items):
        for batch in chunks(items, BATCH):
            rows = [{"patient_id": self.patients.get(v["patient"]),
                     "practitioner_id": self.roles.get(v["practitioner"]),
                     "visit_type_id": self.visit_types.get(v["visit_type"]), "status": v["status"],
                     "starts_at": v["starts_at"], "ends_at": v["ends_at"], "booked_at": v["created_at"],
                     "reason": v["reason"], "cancel_reason": v["cancel_reason"], "cancelled_at": v["cancelled_at"],
                     "checked_in_at": v["checked_in_at"]} for v in batch]
            result = import_appointments(self.clinic, rows, actor=IMPORT_ACTOR)
            for v, pk in zip(batch, result.ids, strict=True):
                self.appointments[v["id"]] = pk
            self.counts["appointments"] += result.count

    def _spool_entries(self, field, items):
        for batch in chunks(items, BATCH):
            self.spool.executemany("INSERT INTO entry VALUES (?, ?, ?, ?)", [
                (field, v["encounter"], int(v["id"].rsplit(field[0], 1)[-1]) if v["id"] else 0,
                 json.dumps({"code": v["code"], "main": v.get("main", False)})) for v in batch])
        self.spool.commit()

    def _load_Condition(self, items):
        self._spool_entries("diagnoses", items)

    def _load_Procedure(self, items):
        self._spool_entries("procedures", items)

    def _entries(self, encounter_ids) -> dict:
        found: dict = {}
        marks = ",".join("?" * len(encounter_ids))
        for field, visit, body in self.spool.execute(
                f"SELECT field, encounter, body FROM entry WHERE encounter IN ({marks}) "
                f"ORDER BY encounter, field, position", encounter_ids):
            found.setdefault((visit, field), []).append(json.loads(body))
        return found

    def _load_Encounter(self, items):
        now = timezone.now()
        for batch in chunks(items, BATCH):
            entries = self._entries([v["id"] for v in batch])
            stored, rows = [], []
            for v in batch:
                if v["status"] != "signed" or self.appointments.get(v["appointment"]) is None:
                    self.counts["visits_left_out"] += 1  # drafts, and visits without an appointment
                    continue
                content = {name: v[name] for name in encounter.TEXTS}
                content["diagnoses"] = [{"code": d["code"], "main": d["main"]}
                                        for d in entries.get((v["id"], "diagnoses"), [])]
                content["procedures"] = [{"code": p["code"]} for p in entries.get((v["id"], "procedures"), [])]
                rows.append({"appointment_id": self.appointments.get(v["appointment"]), "content": content,
                             "signed_at": min(v["signed_at"], now) if v["signed_at"] else None})
                stored.append(v["id"])
            if rows:
                result = import_encounters(self.clinic, rows, actor=IMPORT_ACTOR)
                for fhir_id, pk in zip(stored, result.ids, strict=True):
                    self.encounters[fhir_id] = pk
                self.counts["visits"] += result.count

    # ---- what was recorded at visits --------------------------------------------------------------

    def _recorder(self, staff_id):
        return self.users.get(staff_id) or next(iter(self.users.values()), None)

    def _load_Observation(self, items):
        for batch in chunks(items, BATCH):
            rows = [{"patient_id": self.patients.get(v["patient"]), "encounter_id": self.encounters.get(v["encounter"]),
                     "values": {k: x for k, x in v["values"].items() if k != "bmi"},  # computed again, never entered
                     "recorded_by_id": self._recorder(v["recorded_by"]), "recorded_at": v["recorded_at"]}
                    for v in batch]
            self.counts["vitals"] += import_vitals(self.clinic, rows, actor=IMPORT_ACTOR).count

    def _load_AllergyIntolerance(self, items):
        for batch in chunks(items, BATCH):
            rows = [{"patient_id": self.patients.get(v["patient"]), "substance": v["substance"],
                     "reaction": v["reaction"], "severity": v["severity"], "is_active": v["is_active"],
                     "recorded_by_id": self._recorder(v["recorded_by"]), "recorded_at": v["recorded_at"]}
                    for v in batch]
            self.counts["allergies"] += import_allergies(self.clinic, rows, actor=IMPORT_ACTOR).count

    # ---- e-documents and attachments --------------------------------------------------------------

    def _document_row(self, kind, v) -> dict:
        row = {"kind": kind, "practitioner_id": self.roles.get(v["practitioner"]),
               "issued_at": v["signed_at"] or v["created_at"]}
        encounter_id = self.encounters.get(v["encounter"])
        if encounter_id is not None:
            row["encounter_id"] = encounter_id
        else:
            row["patient_id"] = self.patients.get(v["patient"])
        return row

    def _store_documents(self, rows):
        result = import_documents(self.clinic, rows, actor=IMPORT_ACTOR)
        self.counts["prescriptions"] += result.prescriptions
        self.counts["referrals"] += result.referrals
        self.counts["sick_leaves"] += result.sick_leaves

    def _load_MedicationRequest(self, items):
        rows, package, last = [], None, None
        for v in items:
            if last is None or v["package"] != package or len(last["items"]) >= 5:
                if len(rows) >= BATCH:
                    self._store_documents(rows)
                    rows = []
                last = {**self._document_row("rx", v), "items": [], "numbers": []}
                rows.append(last)
                package = v["package"]
            last["items"].append(_prescription_item(v["content"]))
            last["numbers"].append(v["number"])
        if rows:
            self._store_documents(rows)

    def _load_ServiceRequest(self, items):
        for batch in chunks(items, BATCH):
            self._store_documents([{**self._document_row("ref", v), "numbers": [v["number"]],
                                    "data": {k: v["content"][k] for k in ("kind", "icd10", "icd9", "purpose",
                                                                          "tests_done", "cito", "target_specialty")}}
                                   for v in batch])

    def _load_DocumentReference(self, items):
        leaves = []
        for v in items:
            if v["id"].startswith(document_reference.ATTACHMENT):
                self._attachment(v)
                continue
            c = v["content"]
            leaves.append({**self._document_row("zla", v), "numbers": [v["number"]],
                           "data": {"date_from": c["from"], "date_to": c["to"], "icd10": c["icd10"],
                                    "letter_codes": c["letter_codes"], "omit_codes": c["omit_codes"],
                                    "indication": c["indication"], "payer_nip": c["payer_nip"]}})
            if len(leaves) >= BATCH:
                self._store_documents(leaves)
                leaves = []
        if leaves:
            self._store_documents(leaves)

    def _attachment(self, v):
        try:
            data = self.read_attachment(v["path"])
        except (OSError, KeyError) as error:
            raise ImportFailed(f"DocumentReference {v['id']}: its file {v['path']!r} cannot be read "
                               f"({error})") from None
        try:
            import_attachment(self.clinic, patient_id=self.patients.get(v["patient"]), data=data, kind=v["kind"],
                              original_name=v["original_name"], description=v["description"],
                              uploaded_by_id=self._recorder(v["uploaded_by"]), uploaded_at=v["uploaded_at"],
                              encounter_id=self.encounters.get(v["encounter"]), actor=IMPORT_ACTOR)
        except ValidationError as error:
            raise ImportFailed(f"DocumentReference {v['id']}: {'; '.join(error.messages)}") from None
        self.counts["attachments"] += 1

    # ---- the audit trail ---------------------------------------------------------------------------

    def _load_AuditEvent(self, items):
        # Read and checked, not replayed: the new clinic's chain starts with its own events (the import's
        # CREATE events); the old trail stays verifiable in the export's audit NDJSON with its checkpoints.
        for _values in items:
            self.counts["audit_events_kept_in_export"] += 1


def _prescription_item(content: dict) -> dict:
    """A stored prescription's content as the prescription form's fields (rules.clean_prescriptions)."""
    drug = content.get("drug") or {}
    item = {"category": content.get("category") or "", "dosage": content.get("dosage"),
            "quantity": content.get("quantity"), "payment_level": content.get("payment_level") or "",
            "entitlement": content.get("entitlement") or "", "kind": content.get("kind") or "",
            "no_substitution": content.get("no_substitution"), "valid_from": content.get("valid_from"),
            "validity_days": content.get("validity_days"), "supply_days": content.get("supply_days")}
    builtin = drug.get("builtin_id")
    if builtin is not None and Drug.objects.filter(pk=builtin, gtin=drug.get("gtin") or "",
                                                   name=drug.get("name")).exists():
        item["drug_id"] = builtin
    else:
        item.update(drug_name=drug.get("name"), strength=drug.get("strength"), form=drug.get("form"),
                    pack_size=drug.get("pack_size"), gtin=drug.get("gtin"))
    return item


__all__ = ["RESOURCE_TYPES", "count", "iter_resources", "attachment_path", "ImportSession", "ImportFailed", "fid"]
