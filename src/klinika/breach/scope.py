"""The scope of an incident: whose data, which categories, how many records, and could it be read.

How each source is scoped:
- a database copy (or a backup that is one) that is available: the copy itself is read, read-only
  (copies.py), and lists exactly the people whose rows are in it; without the copy, the live
  database over the time window gives an estimate, and says it is one;
- an account: what that login read in the window, from the audit trail;
- a test environment: it holds synthetic or anonymized datasets only (testdata/), no real people;
- a handover export: the clinic's people at the time of the export, readable unless age-encrypted.

Readable or not is decided from the key inventory: every personal field is AES-256-GCM ciphertext
under keys in the separate keystore, whose keys are wrapped by the root key. A copy of the clinic
database is unintelligible unless both the keystore and the root key were exposed too; a person whose
key (or whose clinic's KEK) was destroyed before the window opened stays unintelligible even then.

Reasons are stored as codes with parameters and rendered in the reader's language (reason_text).
Nothing here prints or stores plaintext personal data: decrypting a copy's patient row only tells
whether it holds contact data (booleans).
"""
import datetime
import json
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinika.accounts.models import StaffMember, User
from klinika.audit.models import AuditEvent
from klinika.breach import categories as cat
from klinika.breach.copies import CopyUnavailable, is_copy_reference, open_copy
from klinika.breach.models import SourceKind
from klinika.crypto import envelope, keystore
from klinika.crypto.errors import KlinikaCryptoError
from klinika.crypto.models import DataKey, KeyEncryptionKey, KeyState
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

REASONS = {
    "copy-read": _("The leaked copy %(name)s was read (read-only): the people listed are exactly those whose "
                   "rows are in it."),
    "estimate": _("The copy is not available (%(why)s): this is an ESTIMATE from the live database, counting "
                  "the people registered before %(until)s and their records today."),
    "ciphertext": _("Every personal field in the clinic database (names, PESEL, birth date, address, phone, "
                    "e-mail, visit notes, diagnoses, e-document content, attachments, the reason for a visit) is "
                    "stored as AES-256-GCM ciphertext under keys kept outside it, in a separate keystore database, "
                    "whose keys are in turn wrapped by the root key."),
    "keys-not-exposed": _("Neither the keystore nor the root key was exposed: the values in the copy are "
                          "unintelligible to anyone who holds it. Art. 34(3)(a) GDPR applies: the data subjects "
                          "need not be notified."),
    "keystore-only": _("The keystore was exposed but not the root key: the clinic keys in it are wrapped by the "
                       "root key and cannot be unwrapped, so the data stays unintelligible (art. 34(3)(a) GDPR). "
                       "Rotate the root key now as a precaution."),
    "root-only": _("The root key was exposed but not the keystore: the root key alone opens no data, so the "
                   "data stays unintelligible (art. 34(3)(a) GDPR). Rotate the root key now."),
    "keys-exposed": _("The keystore and the root key were exposed together with the data: whoever holds them can "
                      "decrypt it. The data must be treated as readable."),
    "clear-metadata": _("What such a copy shows without keys: opaque ids, appointment times, practitioner "
                        "references (and so their specialties), statuses, password hashes (Argon2) and "
                        "blind-index values; none of it names a person without the keys."),
    "keys-destroyed": _("%(count)s of the people had their keys destroyed (crypto-erased or crypto-shredded) "
                        "before the window opened: their data in the copy is unintelligible even with the "
                        "exposed keys."),
    "account": _("The login %(login)s read these records in the window (audit trail): the application "
                 "decrypted them for it, so they were readable."),
    "account-unknown": _("No login %(login)s exists in this clinic: nothing was read through it."),
    "test-environment": _("A test environment holds only synthetic (generated) or anonymized datasets "
                          "(dataset %(dataset)s): a non-production instance refuses anything else. No real "
                          "person's data was exposed; nobody needs to be notified."),
    "export-encrypted": _("The handover export %(path)s is encrypted with age to the clinic's recipient key: "
                          "unintelligible without the clinic's identity (art. 34(3)(a) GDPR)."),
    "export-clear": _("The handover export %(path)s is not encrypted: it is readable by anyone who holds it "
                      "(FHIR files, PDFs, attachments)."),
    "export-missing": _("The export directory %(path)s is not available: its content is estimated from the "
                        "live database."),
    "contact-unknown": _("For %(count)s people the copy's contact fields could not be checked (their keys are "
                         "gone): they are counted as holding contact data."),
}


def reason_text(reason: dict) -> str:
    template = REASONS.get(reason.get("code"), None)
    return str(template) % reason.get("params", {}) if template is not None else reason.get("code", "")


@dataclass
class PersonScope:
    subject_ref: uuid.UUID
    kind: str = "patient"
    records: dict = field(default_factory=dict)  # category -> count
    patient_id: int | None = None
    readable: bool = False

    @property
    def categories(self) -> list[str]:
        return [c for c in cat.CATEGORIES if self.records.get(c)]


@dataclass
class Scope:
    method: str                  # copy | estimate | audit | synthetic | export
    readable: bool
    exemption: bool              # art. 34(3)(a): unintelligible to whoever holds it
    reasons: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    persons: list = field(default_factory=list)
    computed_at: datetime.datetime = field(default_factory=timezone.now)

    def reason(self, code: str, **params):
        self.reasons.append({"code": code, "params": {k: str(v) for k, v in params.items()}})

    @property
    def patients(self) -> list[PersonScope]:
        return [p for p in self.persons if p.kind == "patient"]

    def as_dict(self) -> dict:
        people = {"patients": len(self.patients), "staff": len(self.persons) - len(self.patients),
                  "readable_patients": sum(1 for p in self.patients if p.readable)}
        categories = {}
        for category in cat.CATEGORIES:
            holders = [p for p in self.persons if p.records.get(category)]
            if holders:
                categories[category] = {"people": len(holders),
                                        "records": sum(p.records[category] for p in holders)}
        return {"method": self.method, "readable": self.readable, "exemption_34_3_a": self.exemption,
                "reasons": self.reasons, "people": people, "categories": categories, "tables": self.tables,
                "computed_at": self.computed_at.isoformat()}


def compute(incident) -> Scope:
    """The scope of `incident` (read only: services.scope_incident stores it)."""
    with clinic_context(incident.clinic_id):
        kind = incident.source_kind
        if kind == SourceKind.ACCOUNT:
            return _from_audit(incident)
        if kind == SourceKind.TEST_ENVIRONMENT:
            scope = Scope("synthetic", readable=False, exemption=True)
            scope.reason("test-environment", dataset=incident.source_ref or "?")
            return scope
        if kind == SourceKind.HANDOVER_EXPORT:
            return _from_export(incident)
        return _from_database(incident)


# --------------------------------------------------------------------------- database copies


def _keys_verdict(incident, scope: Scope) -> bool:
    scope.reason("ciphertext")
    if incident.keystore_exposed and incident.root_key_exposed:
        scope.reason("keys-exposed")
        return True
    scope.reason("keystore-only" if incident.keystore_exposed else
                 "root-only" if incident.root_key_exposed else "keys-not-exposed")
    scope.reason("clear-metadata")
    return False


def _from_database(incident) -> Scope:
    readable = _keys_verdict(incident, scope := Scope("copy", readable=False, exemption=True))
    ref = incident.source_ref
    try:
        if not ref or not is_copy_reference(ref) and not Path(ref).is_file():
            raise CopyUnavailable("no path or database name of the copy was given")
        with open_copy(ref) as reader:
            scope.reasons.insert(0, {"code": "copy-read", "params": {"name": reader.name}})
            persons, tables = _read_copy(reader, incident.clinic_id, scope)
    except CopyUnavailable as exc:
        scope.method = "estimate"
        until = incident.window_end or incident.detected_at
        scope.reasons.insert(0, {"code": "estimate", "params": {"why": str(exc), "until": until.isoformat()}})
        persons, tables = _estimate_live(until)
    _finish(incident, scope, persons, tables, readable)
    return scope


def _finish(incident, scope: Scope, persons: dict, tables: dict, readable: bool):
    _join_registry(persons)
    gone = _destroyed_before(incident) if readable else set()
    for person in persons.values():
        person.readable = readable and person.subject_ref not in gone and None not in gone
    if readable and gone:
        scope.reason("keys-destroyed", count=len(persons) if None in gone else
                     sum(1 for p in persons.values() if p.subject_ref in gone))
    scope.readable = any(p.readable for p in persons.values())
    scope.exemption = not scope.readable
    scope.persons = sorted(persons.values(), key=lambda p: (p.kind, str(p.subject_ref)))
    scope.tables = tables


def _read_copy(reader, clinic_id, scope: Scope) -> tuple[dict, dict]:
    present = reader.tables()
    patient_table = _db_table(cat.PATIENT_TABLE)
    if patient_table not in present:
        raise CopyUnavailable(f"{reader.name} holds no {patient_table} table: not a klinika clinic database")
    clinic = reader.uuid_param(clinic_id)
    persons: dict[uuid.UUID, PersonScope] = {}
    by_row: dict = {}
    rows = reader.query(f"SELECT id, subject_ref, personal, details FROM {patient_table} WHERE clinic_id = %s",
                        (clinic,))
    keystore.load_subject_keys(clinic_id, [reader.to_uuid(r[1]) for r in rows])
    unknown = 0
    for pk, subject_ref, personal, details in rows:
        ref = reader.to_uuid(subject_ref)
        person = persons[ref] = PersonScope(ref, records={cat.IDENTIFIERS: 1})
        by_row[pk] = person
        has_contact = _has_contact(personal, details)
        if has_contact is None:
            unknown += 1
        if has_contact is not False:
            person.records[cat.CONTACT] = 1
    if unknown:
        scope.reason("contact-unknown", count=unknown)
    tables = {patient_table: len(rows)}
    by_ref = {p.subject_ref: p for p in persons.values()}
    for spec in cat.PATIENT_TABLES:
        table = spec.db_table
        if table not in present:
            continue
        if spec.via:
            sql = (f"SELECT v.{spec.person}, COUNT(*) FROM {table} t JOIN {spec.via_table} v ON t.{spec.via} = v.id "
                   f"WHERE t.clinic_id = %s GROUP BY v.{spec.person}")
        else:
            sql = f"SELECT {spec.person}, COUNT(*) FROM {table} WHERE clinic_id = %s GROUP BY {spec.person}"
        total = 0
        for owner, count in reader.query(sql, (clinic,)):
            person = by_ref.get(reader.to_uuid(owner)) if spec.person == "subject_ref" else by_row.get(owner)
            if person is None:
                continue  # a message not about a patient of this copy (a staff member's, or to nobody)
            person.records[spec.category] = person.records.get(spec.category, 0) + count
            total += count
        tables[table] = total
    staff_table = _db_table(cat.STAFF_TABLE)
    if staff_table in present:
        staff = reader.query(f"SELECT subject_ref FROM {staff_table} WHERE clinic_id = %s", (clinic,))
        for (subject_ref,) in staff:
            ref = reader.to_uuid(subject_ref)
            persons[ref] = PersonScope(ref, kind="staff", records={cat.STAFF: 1})
        tables[staff_table] = len(staff)
    return persons, tables


def _has_contact(personal, details) -> bool | None:
    """Whether a copy's patient row holds a phone, an e-mail or an address; None when it cannot be told."""
    try:
        values = {}
        for blob, column in ((personal, "personal"), (details, "details")):
            if blob is not None:
                values.update(orjson.loads(envelope.decrypt(bytes(blob), envelope.aad_suffix(
                    _db_table(cat.PATIENT_TABLE), column))))
    except KlinikaCryptoError:
        return None
    address = values.get("address") or {}
    return bool(values.get("phone") or values.get("email") or any(
        v for k, v in address.items() if k != "country"))


def _estimate_live(until) -> tuple[dict, dict]:
    """The people registered up to `until` and their records as they are today (an estimate)."""
    rows = list(Patient.objects.filter(created_at__lte=until).values_list("pk", "subject_ref"))
    by_row = {pk: PersonScope(ref, records={cat.IDENTIFIERS: 1, cat.CONTACT: 1}) for pk, ref in rows}
    tables = {_db_table(cat.PATIENT_TABLE): len(rows)}
    from django.apps import apps

    for spec in cat.PATIENT_TABLES:
        model = apps.get_model(spec.model)
        if spec.person == "subject_ref":
            refs = {p.subject_ref: p for p in by_row.values()}
            counted = model.objects.filter(subject_ref__in=list(refs)).values("subject_ref").annotate(n=Count("pk"))
            pairs = [(refs.get(r["subject_ref"]), r["n"]) for r in counted]
        else:
            column = f"{spec.via.removesuffix('_id')}__patient_id" if spec.via else "patient_id"
            counted = model.objects.filter(**{f"{column}__in": list(by_row)}).values(column).annotate(n=Count("pk"))
            pairs = [(by_row.get(r[column]), r["n"]) for r in counted]
        total = 0
        for person, count in pairs:
            if person is not None:
                person.records[spec.category] = person.records.get(spec.category, 0) + count
                total += count
        tables[spec.db_table] = total
    persons = {p.subject_ref: p for p in by_row.values()}
    staff = list(StaffMember.objects.filter(user__date_joined__lte=until).values_list("subject_ref", flat=True))
    for ref in staff:
        persons[ref] = PersonScope(ref, kind="staff", records={cat.STAFF: 1})
    tables[_db_table(cat.STAFF_TABLE)] = len(staff)
    return persons, tables


def _join_registry(persons: dict):
    """The live registry's row of each patient: for the DPO's screen only (names are read there, not here)."""
    refs = [p.subject_ref for p in persons.values() if p.kind == "patient"]
    for start in range(0, len(refs), 500):
        for ref, pk in Patient.objects.filter(subject_ref__in=refs[start:start + 500]).values_list("subject_ref", "pk"):
            persons[ref].patient_id = pk


def _destroyed_before(incident) -> set:
    """Subject refs whose key was destroyed before the window opened; {None} when the clinic's KEK was."""
    start = incident.window_start
    if start is None:
        return set()
    keks = KeyEncryptionKey.objects.using(keystore.DB).filter(clinic_id=incident.clinic_id)
    if keks.exists() and not keks.exclude(state=KeyState.DESTROYED, destroyed_at__lt=start).exists():
        return {None}
    return set(DataKey.objects.using(keystore.DB).filter(
        clinic_id=incident.clinic_id, purpose=DataKey.Purpose.SUBJECT, state=KeyState.DESTROYED,
        destroyed_at__lt=start).values_list("subject_ref", flat=True))


def _db_table(label: str) -> str:
    from django.apps import apps

    return apps.get_model(label)._meta.db_table


# --------------------------------------------------------------------------- accounts and exports


def _from_audit(incident) -> Scope:
    scope = Scope("audit", readable=True, exemption=False)
    login = incident.source_ref
    user = User.objects.filter(username=login, clinic_id=incident.clinic_id).first()
    if user is None:
        scope.reason("account-unknown", login=login)
        scope.readable = False
        return scope
    scope.reason("account", login=login)
    events = AuditEvent.objects.filter(actor_id=user.pk, subject_ref__isnull=False, outcome="success")
    if incident.window_start:
        events = events.filter(at__gte=incident.window_start)
    if incident.window_end:
        events = events.filter(at__lte=incident.window_end)
    persons: dict[uuid.UUID, PersonScope] = {}
    tables: dict[str, int] = defaultdict(int)
    staff_refs = set(StaffMember.objects.values_list("subject_ref", flat=True))
    for ref, object_type, count in events.values_list("subject_ref", "object_type").annotate(n=Count("pk")):
        category = cat.audit_category(object_type)
        if category is None:
            continue
        kind = "staff" if ref in staff_refs else "patient"
        person = persons.setdefault(ref, PersonScope(ref, kind=kind, readable=True))
        category = cat.STAFF if kind == "staff" else category
        person.records[category] = person.records.get(category, 0) + count
        tables[f"audit:{object_type}"] += count
    _join_registry(persons)
    scope.persons = sorted(persons.values(), key=lambda p: (p.kind, str(p.subject_ref)))
    scope.tables = dict(tables)
    scope.readable = bool(persons)
    scope.exemption = not scope.readable
    return scope


def _from_export(incident) -> Scope:
    scope = Scope("export", readable=False, exemption=True)
    directory = Path(incident.source_ref or "")
    manifest_file = directory / "manifest.json"
    until = incident.window_end or incident.detected_at
    encrypted = False
    if manifest_file.is_file():
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        files = [f.get("path", "") for f in manifest.get("files", []) if isinstance(f, dict)]
        encrypted = bool(manifest.get("encrypted")) or (bool(files) and all(
            p.endswith(".age") or p == "manifest.json" for p in files))
        created = manifest.get("created_at")
        if created:
            try:
                until = datetime.datetime.fromisoformat(created)
            except ValueError:
                pass
    else:
        scope.reason("export-missing", path=directory)
    # A key exposure flag on an export names the clinic's age identity.
    readable = not encrypted or incident.root_key_exposed or incident.keystore_exposed
    scope.reason("export-clear" if readable else "export-encrypted", path=directory)
    persons, tables = _estimate_live(until)
    for person in persons.values():
        person.readable = readable
    _join_registry(persons)
    scope.persons = sorted(persons.values(), key=lambda p: (p.kind, str(p.subject_ref)))
    scope.tables = tables
    scope.readable = readable and bool(persons)
    scope.exemption = not scope.readable
    return scope


def persons_as_json(scope: Scope) -> list[dict]:
    return [asdict(p) | {"subject_ref": str(p.subject_ref)} for p in scope.persons]
