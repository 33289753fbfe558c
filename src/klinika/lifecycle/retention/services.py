"""Retention: what is past its period (the daily scan), the clinic's approval, erasure, legal holds.

What counts as an entry in a patient's medical documentation (art. 29 ust. 1 counts from the
year of the last one): the patient's registration (the documentation's identification part),
every visit and every version of it (amendments are entries too), measurements, allergies,
attachments other than the two kinds kept under their own rules, and issued e-documents
(prescriptions and their packages, e-referrals, e-sick-leave: the issuer's copy is part of its
documentation). Appointments are not: a booking documents no health service, so a patient who
only keeps booking visits does not keep their documentation alive.

A patient is crypto-erased (their subject key destroyed: every field, file and copy under it
becomes unreadable, backups included) only when every period of their documentation has run,
their X-ray images and received referrals included. Those two kinds are also deleted on their
own (the row and the stored file) when their shorter period runs. Records merged into another
patient's record belong to that patient and are erased with it.

Nothing is erased without the clinic's approval, nothing approved is erased once it is no longer
due (a new entry since), and nothing under a legal hold is erased. Every step is audited with
opaque ids, rule codes and dates only.
"""
import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.policy import require
from klinika.audit.context import Actor, current_actor
from klinika.audit.models import Action
from klinika.audit.services import record, record_many
from klinika.crypto.fields import ERASED
from klinika.edocs.models import Prescription, PrescriptionPackage, SickLeave
from klinika.edocs.models import Referral as EReferral
from klinika.lifecycle import services as lifecycle
from klinika.lifecycle.retention import rules
from klinika.lifecycle.retention.models import ItemKind, LegalHold, RetentionItem, RetentionScan
from klinika.patients.models import Patient
from klinika.records.models import Allergy, Attachment, Encounter, EncounterVersion, VitalSigns
from klinika.records.storage import attachment_storage
from klinika.tenancy.context import require_clinic_id
from klinika.tenancy.models import Clinic

OWN_RULE_KINDS = {Attachment.Kind.XRAY: ItemKind.XRAY, Attachment.Kind.REFERRAL: ItemKind.REFERRAL}
REASON_MAX = 500


def _entry_sources():
    """(queryset, the lookup to the patient, the timestamps that are entries)."""
    return [
        (Patient.objects.all(), "pk", ["created_at"]),
        (Encounter.objects.all(), "patient", ["started_at", "signed_at"]),
        (EncounterVersion.objects.all(), "encounter__patient", ["created_at", "signed_at"]),
        (VitalSigns.objects.all(), "patient", ["recorded_at"]),
        (Allergy.objects.all(), "patient", ["recorded_at"]),
        (Attachment.objects.exclude(kind__in=list(OWN_RULE_KINDS)), "patient", ["uploaded_at"]),
        (PrescriptionPackage.objects.all(), "patient", ["created_at"]),
        (Prescription.objects.all(), "patient", ["created_at", "signed_at"]),
        (EReferral.objects.all(), "patient", ["created_at", "signed_at"]),
        (SickLeave.objects.all(), "patient", ["created_at", "signed_at", "cancelled_at"]),
    ]


def _entries(patient_pks=None, before=None) -> tuple[dict, dict]:
    """The oldest and the newest entry per patient (only those in `patient_pks`, only entries before
    `before`): one grouped query per source and timestamp, whatever the number of patients."""
    first: dict[int, datetime.datetime] = {}
    last: dict[int, datetime.datetime] = {}
    for queryset, lookup, fields in _entry_sources():
        if patient_pks is not None:
            queryset = queryset.filter(**{f"{lookup}__in": patient_pks})
        for name in fields:
            rows = queryset.filter(**{f"{name}__isnull": False})
            if before is not None:
                rows = rows.filter(**{f"{name}__lt": before})
            grouped = rows.values_list(lookup).annotate(lo=Min(name), hi=Max(name)).values_list(lookup, "lo", "hi")
            for pk, lo, hi in grouped.order_by():
                if pk not in first or lo < first[pk]:
                    first[pk] = lo
                if pk not in last or hi > last[pk]:
                    last[pk] = hi
    return first, last


@dataclass(frozen=True)
class Due:
    kind: str
    ref: uuid.UUID
    subject_ref: uuid.UUID
    rule: str
    due_on: datetime.date


@dataclass
class _Person:
    """A patient's record together with the records merged into it."""

    root: int
    subject_ref: uuid.UUID
    members: list = field(default_factory=list)  # patient pks, the root first


def _people() -> dict[int, _Person]:
    rows = list(Patient.objects.values_list("pk", "subject_ref", "merged_into_id"))
    parent = {pk: merged_into for pk, _ref, merged_into in rows}

    def root_of(pk):
        seen = set()
        while parent.get(pk) is not None and pk not in seen:
            seen.add(pk)
            pk = parent[pk]
        return pk

    people = {pk: _Person(pk, ref, [pk]) for pk, ref, merged_into in rows if merged_into is None}
    for pk, _ref, merged_into in rows:
        if merged_into is not None and root_of(pk) in people:
            people[root_of(pk)].members.append(pk)
    return people


def _erased_patients() -> set:
    return set(RetentionItem.objects.filter(kind=ItemKind.PATIENT, erased_at__isnull=False)
               .values_list("subject_ref", flat=True))


def _start_of_local_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def compute_due(today: datetime.date | None = None) -> list[Due]:
    """Everything of the clinic in context whose retention period has run by `today`.

    Only plain columns are read for every patient; personal fields (birth date, death) are
    decrypted only for those whose general 20-year period has run, the lower bound of every rule.
    """
    today = today or timezone.localdate()
    people = _people()
    erased = _erased_patients()
    first, last = _entries()
    person_first, person_last = {}, {}
    for person in people.values():
        stamps = [last[pk] for pk in person.members if pk in last]
        if stamps and person.subject_ref not in erased:
            person_last[person.root] = max(stamps)
            person_first[person.root] = min(first[pk] for pk in person.members if pk in first)

    owners = {pk: person for person in people.values() for pk in person.members}
    records, pending_records = [], set()
    for attachment in (Attachment.objects.filter(kind__in=list(OWN_RULE_KINDS))
                       .select_related("encounter").only("public_id", "kind", "uploaded_at", "patient_id",
                                                         "encounter__started_at")):
        owner = owners.get(attachment.patient_id)
        if owner is None or owner.subject_ref in erased:
            continue
        if attachment.kind == Attachment.Kind.XRAY:
            # The image was made on or before it was attached: counting from the upload never ends early.
            rule, due_on = rules.XRAY, rules.xray_due(attachment.uploaded_at)
        else:
            # The referred service is the visit the referral is attached to; without one, the service
            # was at the latest the patient's newest entry (or the upload, if later).
            service = attachment.encounter.started_at if attachment.encounter_id else max(
                filter(None, [attachment.uploaded_at, person_last.get(owner.root)]))
            rule, due_on = rules.REFERRAL, rules.referral_due(service)
        if due_on <= today:
            records.append(Due(OWN_RULE_KINDS[attachment.kind], attachment.public_id, owner.subject_ref, rule.code,
                               due_on))
        else:
            pending_records.add(owner.root)

    candidates = [people[root] for root, at in person_last.items()
                  if rules.destroy_from(at, rules.DOCUMENTATION.years) <= today and root not in pending_records]
    found = []
    for person, patient in _with_patients(candidates):
        born = patient.birth_date
        if born is ERASED:  # erased outside retention (a shredded subject): nothing left to keep
            continue
        under_2 = None
        if hasattr(born, "year"):
            turns_2 = rules.second_birthday(born)
            if rules.local_date(person_last[person.root]) < turns_2:
                under_2 = person_last[person.root]
            elif rules.local_date(person_first[person.root]) < turns_2:  # entries on both sides: rare
                _first, before = _entries(person.members, before=_start_of_local_day(turns_2))
                under_2 = max(before.values(), default=None)
        rule, due_on = rules.patient_due(last_entry=person_last[person.root], last_entry_under_2=under_2,
                                         death_date=patient.death_date or None, death_cause=patient.death_cause or "")
        if due_on <= today:
            found.append(Due(ItemKind.PATIENT, person.subject_ref, person.subject_ref, rule.code, due_on))
    return records + found


def _with_patients(people: list[_Person], chunk: int = 1000):
    """Each person with their decrypted patient row, a chunk of rows per query."""
    for start in range(0, len(people), chunk):
        part = people[start:start + chunk]
        rows = {p.pk: p for p in Patient.objects.filter(pk__in=[person.root for person in part])}
        for person in part:
            yield person, rows[person.root]


@dataclass
class ScanReport:
    due: int
    new: int
    changed: int
    dropped: int

    def as_dict(self) -> dict:
        return {"due": self.due, "new": self.new, "changed": self.changed, "dropped": self.dropped}


def refresh_queue(today: datetime.date | None = None) -> ScanReport:
    """Bring the clinic's queue in line with compute_due(): new items in, items no longer due out
    (a new entry since, a death recorded), an item whose rule or date changed loses its approval."""
    today = today or timezone.localdate()
    dues = {(d.kind, d.ref): d for d in compute_due(today)}
    now = timezone.now()
    new = changed = 0
    with transaction.atomic():
        open_items = {(i.kind, i.ref): i for i in RetentionItem.objects.select_for_update()
                      .filter(erased_at__isnull=True)}
        stale = [i.pk for key, i in open_items.items() if key not in dues]
        RetentionItem.objects.filter(pk__in=stale).delete()
        for key, due in dues.items():
            item = open_items.get(key)
            if item is None:
                RetentionItem(kind=due.kind, ref=due.ref, subject_ref=due.subject_ref, rule=due.rule,
                              due_on=due.due_on, found_at=now).save()
                new += 1
            elif (item.rule, item.due_on) != (due.rule, due.due_on):
                item.rule, item.due_on, item.approved_by, item.approved_at = due.rule, due.due_on, None, None
                item.save(update_fields=["rule", "due_on", "approved_by", "approved_at"])
                changed += 1
        RetentionScan.objects.update_or_create(clinic_id=require_clinic_id(), defaults={
            "scanned_at": now, "scanned_on": today, "due": len(dues)})
        record(Action.READ, object_type="retention-scan", object_id=today.isoformat(),
               reason=f"retention scan: {len(dues)} due, {new} new, {changed} changed, {len(stale)} no longer due")
    return ScanReport(len(dues), new, changed, len(stale))


def scanned_today(today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return RetentionScan.objects.filter(scanned_on=today).exists()


# --- approval ------------------------------------------------------------------------------

def _actor(user) -> Actor:
    actor = current_actor()
    return actor if actor.user_id == user.pk else Actor(user.pk, user.role, actor.request_id)


def parse_refs(values) -> list[uuid.UUID]:
    refs = []
    for value in values:
        try:
            refs.append(uuid.UUID(str(value).strip()))
        except ValueError:
            raise ValidationError(_("%(value)s is not an id from the retention queue.") % {"value": value}) from None
    return refs


def approve(user, refs=None) -> list[RetentionItem]:
    """The clinic approves erasing the given queue items (all open ones when `refs` is None).

    An id that is not in this clinic's open queue answers 404 and nothing is approved."""
    require(user, "retention.manage")
    now = timezone.now()
    with transaction.atomic():
        items = RetentionItem.objects.select_for_update().filter(erased_at__isnull=True)
        if refs is not None:
            refs = set(parse_refs(refs))
            if not refs:
                raise ValidationError(_("Choose what to approve."))
            items = items.filter(ref__in=refs)
        items = list(items.order_by("due_on", "pk"))
        if refs is not None and {i.ref for i in items} != refs:
            raise Http404("not in the retention queue")
        approved = [i for i in items if i.approved_at is None]
        for item in approved:
            item.approved_by, item.approved_at = user, now
            item.save(update_fields=["approved_by", "approved_at"])
        record_many(Action.UPDATE, [("retention-item", i.ref, i.subject_ref) for i in approved],
                    reason="retention approved", actor=_actor(user))
    return approved


# --- erasure -------------------------------------------------------------------------------

@dataclass
class RunReport:
    erased: list = field(default_factory=list)  # RetentionItem
    held: list = field(default_factory=list)
    no_longer_due: list = field(default_factory=list)
    awaiting_approval: int = 0


def _holds():
    active = list(LegalHold.objects.filter(released_at__isnull=True).values_list("target", "ref", "subject_ref"))
    patients = {ref for target, ref, _s in active if target == LegalHold.Target.PATIENT}
    records = {ref for target, ref, _s in active if target == LegalHold.Target.ATTACHMENT}
    # A held record keeps its patient's key alive too: erasing the patient would destroy it.
    subjects_with_held_records = {subject for target, _r, subject in active if target == LegalHold.Target.ATTACHMENT}
    return patients, records, subjects_with_held_records


def is_held(item, holds=None) -> bool:
    patients, records, subjects_with_held_records = holds or _holds()
    if item.kind == ItemKind.PATIENT:
        return item.subject_ref in patients or item.subject_ref in subjects_with_held_records
    return item.ref in records or item.subject_ref in patients


def run(today: datetime.date | None = None) -> RunReport:
    """Erase what the clinic approved, is still due today and is not held. Records first, then patients.

    Rerun after a crash, it finishes what it started: a patient whose key is already gone is marked
    erased, an attachment whose file is already gone loses its row."""
    report = RunReport(awaiting_approval=RetentionItem.objects.filter(erased_at__isnull=True,
                                                                       approved_at__isnull=True).count())
    approved = list(RetentionItem.objects.filter(erased_at__isnull=True, approved_at__isnull=False)
                    .order_by("kind", "due_on", "pk"))
    if not approved:
        return report
    dues = {(d.kind, d.ref): d for d in compute_due(today)}
    holds = _holds()
    clinic = Clinic.objects.get(pk=require_clinic_id())
    members = {person.subject_ref: person.members for person in _people().values()}
    for item in sorted(approved, key=lambda i: i.kind == ItemKind.PATIENT):
        interrupted = item.kind == ItemKind.PATIENT and _key_gone(item.subject_ref)
        if is_held(item, holds):
            report.held.append(item)
        elif interrupted or (item.kind, item.ref) in dues:
            _erase(clinic, item, members.get(item.subject_ref, []))
            report.erased.append(item)
        else:
            report.no_longer_due.append(item)
    return report


def _key_gone(subject_ref) -> bool:
    patient = Patient.objects.filter(subject_ref=subject_ref).only("personal").first()
    return patient is not None and patient.birth_date is ERASED


def _erase(clinic, item: RetentionItem, patient_pks: list[int]):
    trace = f"retention: {item.kind} {item.rule}, due {item.due_on.isoformat()}, approved " \
            f"{timezone.localdate(item.approved_at).isoformat()} by user #{item.approved_by_id}"
    if item.kind == ItemKind.PATIENT:
        subjects = {item.subject_ref, *Patient.objects.filter(pk__in=patient_pks).values_list("subject_ref", flat=True)}
        for subject_ref in sorted(subjects, key=str):
            lifecycle.erase_subject(clinic, subject_ref, reason=f"{item.rule} due {item.due_on.isoformat()}")
    else:
        attachment = Attachment.objects.filter(public_id=item.ref).only("storage_name").first()
        if attachment is not None:
            # The file first: a crash after it leaves a row without a file, which a rerun removes,
            # never a file nobody can find any more.
            attachment_storage().delete(attachment.storage_name)
    with transaction.atomic():
        if item.kind != ItemKind.PATIENT:
            Attachment.objects.filter(public_id=item.ref).delete()
        item.erased_at = timezone.now()
        item.save(update_fields=["erased_at"])
        record(Action.DELETE, object_type=f"retention-{item.kind}", object_id=item.ref, subject_ref=item.subject_ref,
               reason=trace)


# --- legal holds ---------------------------------------------------------------------------

def _clean_reason(reason, field_name: str) -> str:
    reason = (reason if isinstance(reason, str) else "").strip()
    if not reason:
        raise ValidationError({field_name: [_("Give the reason (for example the case number).")]})
    if len(reason) > REASON_MAX:
        raise ValidationError({field_name: [_("At most %(max)d characters.") % {"max": REASON_MAX}]})
    return reason


def place_hold(user, ref, reason) -> LegalHold:
    """Hold a patient (by subject_ref) or one record (an attachment's public_id): never erased until released.
    An id this clinic does not have answers 404."""
    require(user, "retention.manage")
    reason = _clean_reason(reason, "reason")
    (ref,) = parse_refs([ref])
    with transaction.atomic():
        patient = Patient.objects.filter(subject_ref=ref).only("pk", "subject_ref").first()
        if patient is not None:
            target, subject_ref = LegalHold.Target.PATIENT, patient.subject_ref
        else:
            attachment = Attachment.objects.filter(public_id=ref).select_related("patient").first()
            if attachment is None:
                raise Http404("no such patient or record")
            target, subject_ref = LegalHold.Target.ATTACHMENT, attachment.patient.subject_ref
        if _key_gone(subject_ref):
            raise ValidationError({"ref": [_("This patient's documentation has already been destroyed.")]})
        if LegalHold.objects.filter(ref=ref, released_at__isnull=True).exists():
            raise ValidationError({"ref": [_("This is already on legal hold.")]})
        hold = LegalHold(target=target, ref=ref, subject_ref=subject_ref, reason=reason, placed_by=user,
                         placed_at=timezone.now())
        hold.save()
        record(Action.UPDATE, object_type="legal-hold", object_id=hold.public_id, subject_ref=subject_ref,
               reason=f"legal hold placed on {target} {ref}", actor=_actor(user))
    return hold


def release_hold(user, hold_id, reason) -> LegalHold:
    require(user, "retention.manage")
    reason = _clean_reason(reason, "release_reason")
    (hold_id,) = parse_refs([hold_id])
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(public_id=hold_id, released_at__isnull=True).first()
        if hold is None:
            raise Http404("no such legal hold in force")
        hold.released_by, hold.released_at, hold.release_reason = user, timezone.now(), reason
        hold.save(update_fields=["released_by", "released_at", "release_reason"])
        record(Action.UPDATE, object_type="legal-hold", object_id=hold.public_id, subject_ref=hold.subject_ref,
               reason=f"legal hold released on {hold.target} {hold.ref}", actor=_actor(user))
    return hold


# --- the DPO's screen ----------------------------------------------------------------------

@dataclass
class QueueRow:
    item: RetentionItem
    rule: rules.Rule
    held: bool


@dataclass
class Queue:
    rows: list
    holds: list
    scanned_at: datetime.datetime | None


def queue_rows() -> list[QueueRow]:
    """The open queue, soonest due first (the CLI's `due`; the screen goes through queue())."""
    holds = _holds()
    items = RetentionItem.objects.filter(erased_at__isnull=True).select_related("approved_by").order_by("due_on",
                                                                                                        "pk")
    return [QueueRow(item, rules.RULES[item.rule], is_held(item, holds)) for item in items]


def queue(user) -> Queue:
    require(user, "retention.manage")
    rows = queue_rows()
    active = list(LegalHold.objects.filter(released_at__isnull=True).select_related("placed_by")
                  .order_by("-placed_at"))
    scan = RetentionScan.objects.first()
    return Queue(rows, active, scan.scanned_at if scan else None)
