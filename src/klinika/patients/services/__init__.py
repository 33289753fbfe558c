"""Patient registry operations: each checks the policy, runs in one transaction, audits.

Views, the API and the CLI call these; none of them writes patients through the ORM.
Bad input raises a ValidationError keyed by field name (the form's and the API's field
names) and changes nothing.
"""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.policy import can, require
from klinika.audit.context import Actor, current_actor
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.crypto import keystore
from klinika.crypto.fields import blind_index_for
from klinika.patients import search
from klinika.patients.cleaning import as_bool, as_id, as_text, clean_patient_data
from klinika.patients.models import (
    SHARED_PESEL_CHOICES,
    DeathCause,
    IdentifierKind,
    IdentifierNote,
    Patient,
    PatientIdentifier,
    PatientMerge,
)

# The search itself lives in patients/search.py; these names stay importable from here.
from klinika.patients.search import MIN_LIVE_QUERY, SEARCH_LIMIT, SearchHit, SearchResult, classify_query  # noqa: F401
from klinika.tenancy.context import require_clinic_id

# Reasons a user may give for changing an identifier (the others are set by the system).
CHANGE_REASONS = [IdentifierNote.TYPO, IdentifierNote.OFFICIAL_CHANGE, IdentifierNote.OWN_PESEL,
                  IdentifierNote.NEW_DOCUMENT, IdentifierNote.REMOVED]


def _record(user, action, **details):
    """An audit event naming `user`: the request's actor when it is them (it carries the request
    id and any support grant), else the user themself (CLI, tasks, tests)."""
    actor = current_actor()
    if actor.user_id != getattr(user, "pk", None):
        actor = Actor(user.pk, user.role, actor.request_id)
    record(action, actor=actor, **details)


class PossibleDuplicates(Exception):
    """Registration stopped: these patients may be the same person. Nothing was saved."""

    def __init__(self, patients: list[Patient]):
        super().__init__(f"{len(patients)} possible duplicate(s)")
        self.patients = patients


class PeselTaken(ValidationError):
    """The PESEL is the own PESEL of another live patient of the clinic. Nothing was saved.

    One PESEL, one patient: the database refuses a second live record with it (Patient.Meta), so
    this cannot be confirmed away; `holder` is the patient who has it (open their card, or merge).
    """

    def __init__(self, holder: Patient):
        super().__init__({"pesel": [_("This PESEL belongs to a patient who is already registered: open their card, "
                                      "or merge the two records if they are one person.")]})
        self.holder = holder


# --- one PESEL, one patient --------------------------------------------------------------

# Namespaces this module's PostgreSQL advisory locks (pg_advisory_xact_lock(int, int)).
_PESEL_LOCK_CLASS = 0x7E5E1


def _covered_pesel(pesel: str, pesel_is_mothers: bool, pesel_shared: str) -> str:
    """The PESEL the one-patient rule covers for these values, or "" (none, the mother's, shared)."""
    return pesel if pesel and not pesel_is_mothers and not pesel_shared else ""


def _pesel_holder(pesel: str, *, exclude_pk=None) -> Patient | None:
    """The live patient whose own PESEL this is, under either index key while one rotates."""
    holders = Patient.objects.matching(pesel=pesel).filter(is_active=True, merged_into__isnull=True,
                                                           pesel_is_mothers=False, pesel_shared="")
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    return holders.order_by("pk").first()


def _claim_pesel(pesel: str, *, exclude_pk=None) -> None:
    """Inside the writing transaction: raise _Held if another live patient has `pesel` as their own.

    The unique constraint alone holds while the clinic has one index key. While `keys rotate
    --index` runs, a row not yet recomputed carries the old key's index, which the constraint
    cannot compare with a new one: this check looks under both. On PostgreSQL writers of one PESEL
    queue on an advisory lock keyed by its index under the clinic's oldest live key (the one every
    process knows, even one that has not yet heard of the rotation), so the check and the insert
    of one cannot interleave with another's. SQLite takes its write lock at BEGIN (IMMEDIATE).
    """
    if connection.vendor == "postgresql":
        field = blind_index_for(Patient, "pesel")
        token = field.token_with(keystore.index_keys(require_clinic_id())[-1], pesel)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [_PESEL_LOCK_CLASS, int.from_bytes(token[:4], "big", signed=True)])
    holder = _pesel_holder(pesel, exclude_pk=exclude_pk)
    if holder is not None:
        raise _Held(holder)


class _Held(Exception):
    def __init__(self, holder):
        super().__init__("PESEL held")
        self.holder = holder


class _Claim:
    """What a write claims: the PESEL it gives a patient as their own (checked when claimed)."""

    def __init__(self, exclude_pk=None):
        self.pesel, self.exclude_pk = "", exclude_pk

    def __call__(self, pesel: str) -> None:
        self.pesel = pesel
        if pesel:
            _claim_pesel(pesel, exclude_pk=self.exclude_pk)


def _one_pesel_one_patient(user, write, *, exclude_pk=None):
    """write(claim) in one transaction; it calls claim(pesel) before saving a PESEL of a patient's
    own, and a PESEL another live patient has stops it with PeselTaken. The IntegrityError of a
    write that raced another one of the same PESEL past the check (the constraint has the last
    word) becomes the same PeselTaken, never a 500."""
    claim = _Claim(exclude_pk)
    try:
        with transaction.atomic():
            return write(claim)
    except _Held as held:
        holder = held.holder
    except IntegrityError:
        holder = _pesel_holder(claim.pesel, exclude_pk=exclude_pk) if claim.pesel else None
        if holder is None:
            raise
    _record(user, Action.READ, object_type="patient", object_id=holder.pk, subject_ref=holder.subject_ref,
            reason="holds this PESEL")
    raise PeselTaken(holder)


def _shared_reason(user, cleaned: dict, shared_pesel: str) -> str:
    """The reason code of a registry-confirmed shared PESEL (clinic admins only), or ""."""
    if not shared_pesel:
        return ""
    require(user, "patients.share_pesel")
    if shared_pesel not in SHARED_PESEL_CHOICES:
        raise ValidationError({"pesel_shared": [_("Choose why this PESEL is shared: the registry confirmed it.")]})
    if not cleaned["pesel"] or cleaned["pesel_is_mothers"]:
        raise ValidationError({"pesel_shared": [_("Only a PESEL of the patient's own can be recorded as shared.")]})
    return shared_pesel


# --- registration and correction ---------------------------------------------------------

def register_patient(user, data: dict, *, confirm_duplicates: bool = False, shared_pesel: str = "") -> Patient:
    """A new patient. A PESEL another live patient has as their own stops it (PeselTaken, final);
    possible duplicates by surname and birth date stop it (PossibleDuplicates) unless confirmed.

    `shared_pesel` (a SharedPeselReason code; clinic admins only) records a PESEL the registry
    confirmed it issued to two people: the one-patient rule does not cover it."""
    require(user, "patients.register")
    cleaned = clean_patient_data(data)
    cleaned["pesel_shared"] = _shared_reason(user, cleaned, shared_pesel)
    pesel = _covered_pesel(cleaned["pesel"], cleaned["pesel_is_mothers"], cleaned["pesel_shared"])
    # Before the possible-duplicates warning, which this outranks (the claim in the transaction
    # checks again, under the lock, and is all a confirmed registration needs).
    if pesel and not confirm_duplicates and (holder := _pesel_holder(pesel)) is not None:
        _record(user, Action.READ, object_type="patient", object_id=holder.pk, subject_ref=holder.subject_ref,
                reason="holds this PESEL")
        raise PeselTaken(holder)
    if not confirm_duplicates:
        # A shared PESEL's other holder is known (that is why it is shared): only surname and birth date warn.
        duplicates = find_possible_duplicates(user, pesel="" if cleaned["pesel_shared"] else cleaned["pesel"],
                                              last_name=cleaned["last_name"],
                                              birth_date=cleaned["birth_date"],
                                              pesel_is_mothers=cleaned["pesel_is_mothers"])
        if duplicates:
            raise PossibleDuplicates(duplicates)

    def write(claim):
        claim(pesel)
        patient = Patient(**cleaned, consent_updated_at=timezone.now())
        patient.save()
        _record_identifiers(patient)
        reasons = ["registered despite possible duplicates"] if confirm_duplicates else []
        if patient.pesel_shared:
            reasons.append(f"shared PESEL: {patient.pesel_shared}")
        _record(user, Action.CREATE, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref,
                reason="; ".join(reasons))
        return patient

    return _one_pesel_one_patient(user, write)


def record_shared_pesel(user, patient_id, reason: str) -> Patient:
    """A clinic admin records that the registry confirmed the patient's PESEL was issued to another
    person too (a SharedPeselReason code), or with reason "" that it is the patient's own again (then
    no other live patient may have it). Audited with the code."""
    require(user, "patients.share_pesel")
    if reason and reason not in SHARED_PESEL_CHOICES:
        raise ValidationError({"pesel_shared": [_("Choose why this PESEL is shared: the registry confirmed it.")]})
    patient = get_object_or_404(Patient.objects, pk=_pk(patient_id))
    if reason and (not patient.pesel or patient.pesel_is_mothers):
        raise ValidationError({"pesel_shared": [_("Only a PESEL of the patient's own can be recorded as shared.")]})
    pesel = _covered_pesel(patient.pesel or "", patient.pesel_is_mothers, reason)

    def write(claim):
        row = Patient.objects.select_for_update().get(pk=patient.pk)
        if not row.is_active:
            raise ValidationError(_("This record was merged into another one: correct that one instead."))
        if row.pesel_shared == reason:
            return row
        claim(pesel)
        row.pesel_shared = reason
        row.save(update_fields=["pesel_shared", "updated_at"])
        _record(user, Action.UPDATE, object_type="patient", object_id=row.pk, subject_ref=row.subject_ref,
                reason=f"shared PESEL: {reason or 'no longer'}")
        return row

    return _one_pesel_one_patient(user, write, exclude_pk=patient.pk)


def _record_identifiers(patient, *, only=(IdentifierKind.PESEL, IdentifierKind.DOCUMENT)):
    if patient.pesel and IdentifierKind.PESEL in only:
        reason = (IdentifierNote.MOTHERS_PESEL if patient.pesel_is_mothers
                  else IdentifierNote.SHARED_PESEL if patient.pesel_shared else "")
        PatientIdentifier(patient=patient, kind=IdentifierKind.PESEL, value=patient.pesel, reason=reason).save()
    if patient.document_number and IdentifierKind.DOCUMENT in only:
        PatientIdentifier(patient=patient, kind=IdentifierKind.DOCUMENT, document_type=patient.document_type,
                          value=patient.document_number).save()


def patient_values(patient: Patient) -> dict:
    """The patient as `clean_patient_data` input: what a correction starts from."""
    return {
        "first_name": patient.first_name, "last_name": patient.last_name, "pesel": patient.pesel or "",
        "pesel_is_mothers": patient.pesel_is_mothers, "birth_date": patient.birth_date, "sex": patient.sex,
        "document_type": patient.document_type, "document_country": patient.document_country or "",
        "document_number": patient.document_number or "", "address": dict(patient.address or {}),
        "phone": patient.phone or "", "email": patient.email or "", "preferred_channel": patient.preferred_channel,
        "consent_sms": patient.consent_sms, "consent_email": patient.consent_email,
        "guardian_id": patient.guardian_id, "guardian_relation": patient.guardian_relation,
    }


TRACKED = ["first_name", "last_name", "pesel", "pesel_is_mothers", "birth_date", "sex", "document_type",
           "document_country", "document_number", "address", "phone", "email", "preferred_channel", "consent_sms",
           "consent_email", "guardian", "guardian_relation"]


def update_patient(user, patient_id, changes: dict, *, identifier_reason: str = "") -> Patient:
    """Correct a patient's details. A changed PESEL or document keeps the old one on record; a PESEL
    another live patient has as their own stops the change (PeselTaken: open that card, or merge)."""
    require(user, "patients.edit")
    pk = _pk(patient_id)

    def write(claim):
        patient = get_object_or_404(Patient.objects.select_for_update(), pk=pk)
        require(user, "patients.edit", patient)
        if not patient.is_active:
            raise ValidationError(_("This record was merged into another one: correct that one instead."))
        before = patient_values(patient)
        state = before | changes
        if isinstance(changes.get("address"), dict):
            state["address"] = (before["address"] or {}) | changes["address"]
        if "guardian_identifier" in changes or "guardian_id" in changes:
            state["guardian_id"] = changes.get("guardian_id")
        pesel_changed = "".join(as_text(state.get("pesel")).split()) != (patient.pesel or "")
        if pesel_changed and not as_bool(state.get("pesel_is_mothers")):
            # A new PESEL of the patient's own decides birth date and sex unless they were typed too.
            for name in ("birth_date", "sex"):
                if name not in changes:
                    state[name] = None
        cleaned = clean_patient_data(state, patient=patient)
        changed = [name for name in TRACKED if _differs(getattr(patient, name), cleaned[name])]
        identifier_kinds = _changed_identifiers(patient, cleaned)
        if identifier_kinds and identifier_reason not in CHANGE_REASONS:
            raise ValidationError({"identifier_reason": [_("Say why the PESEL or document changes.")]})
        if not changed:
            return patient
        if IdentifierKind.PESEL in identifier_kinds:
            # A PESEL that changes (or stops being the mother's) is the patient's own: not shared
            # until a clinic admin records it so again.
            patient.pesel_shared = ""
            claim(_covered_pesel(cleaned["pesel"], cleaned["pesel_is_mothers"], ""))
        if {"consent_sms", "consent_email"} & set(changed):
            patient.consent_updated_at = timezone.now()
        for name in changed:
            setattr(patient, name, cleaned[name])
        patient.save()
        now = timezone.now()
        for kind in identifier_kinds:
            PatientIdentifier.objects.filter(patient=patient, kind=kind, replaced_at__isnull=True).update(
                replaced_at=now, reason=identifier_reason)
        _record_identifiers(patient, only=identifier_kinds)
        _record(user, Action.UPDATE, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref,
                reason=("changed: " + ",".join(changed) + (f"; identifier: {identifier_reason}"
                                                           if identifier_kinds else ""))[:200])
        return patient

    return _one_pesel_one_patient(user, write, exclude_pk=pk)


def record_death(user, patient_id, *, died_on, cause: str) -> Patient:
    """Record that the patient died, when and whether of injury or poisoning: the retention rules
    need it (lifecycle/retention/rules.py). A doctor or whoever corrects patients' details may."""
    if not (can(user, "records.write") or can(user, "patients.edit")):
        require(user, "patients.edit")  # refused, with the policy's message
    errors = {}
    if cause not in DeathCause.values:
        errors["death_cause"] = [_("Choose the cause of death: injury, poisoning or another cause.")]
    if not hasattr(died_on, "year"):
        errors["death_date"] = [_("Enter the date of death.")]
    elif died_on > timezone.localdate():
        errors["death_date"] = [_("The date of death cannot be in the future.")]
    with transaction.atomic():
        patient = get_object_or_404(Patient.objects.select_for_update(), pk=_pk(patient_id))
        if hasattr(died_on, "year") and hasattr(patient.birth_date, "year") and died_on < patient.birth_date:
            errors["death_date"] = [_("The date of death cannot be before the birth date.")]
        if errors:
            raise ValidationError(errors)
        patient.death_date, patient.death_cause = died_on, cause
        patient.save(update_fields=["death_date", "death_cause", "updated_at"])
        _record(user, Action.UPDATE, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref,
                reason="changed: death_date,death_cause")
    return patient


def _differs(old, new) -> bool:
    if isinstance(old, Patient) or isinstance(new, Patient):
        return getattr(old, "pk", None) != getattr(new, "pk", None)
    return (old or None) != (new or None)


def _changed_identifiers(patient, cleaned) -> list[str]:
    kinds = []
    if (patient.pesel or "") != cleaned["pesel"] or (patient.pesel and patient.pesel_is_mothers
                                                     != cleaned["pesel_is_mothers"]):
        kinds.append(IdentifierKind.PESEL)
    if ((patient.document_number or "") != cleaned["document_number"]
            or (patient.document_type or "") != cleaned["document_type"]):
        kinds.append(IdentifierKind.DOCUMENT)
    return kinds


# --- reading -----------------------------------------------------------------------------

def _pk(value) -> int:
    """An id from outside (a form, a path): anything that is not one is simply not found."""
    number = as_id(value)
    if number is None:
        raise Http404
    return number


def get_patient(user, patient_id) -> Patient:
    """The patient, for someone allowed to see demographics; 404 for another clinic's id."""
    require(user, "patients.view_demographics")
    patient = get_object_or_404(Patient.objects, pk=_pk(patient_id))
    _record(user, Action.READ, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref)
    return patient


def identifier_history(user, patient: Patient) -> list[PatientIdentifier]:
    """Current identifiers first, then former ones, newest first (read with the patient, audited there)."""
    require(user, "patients.view_demographics", patient)
    return sorted(PatientIdentifier.objects.filter(patient=patient),
                  key=lambda i: (i.replaced_at is not None, -(i.replaced_at or i.recorded_at).timestamp(), -i.pk))


@dataclass
class PatientCard:
    patient: Patient
    identifiers: list[PatientIdentifier]
    guardian: Patient | None
    wards: list[Patient]
    merged_into: Patient | None
    merges: list[PatientMerge] = field(default_factory=list)


def patient_card(user, patient_id) -> PatientCard:
    """Everything the card shows; the guardian and wards shown with it are audited as read too."""
    patient = get_patient(user, patient_id)
    identifiers = identifier_history(user, patient)
    guardian = Patient.objects.filter(pk=patient.guardian_id).first() if patient.guardian_id else None
    wards = list(Patient.objects.filter(guardian=patient, is_active=True).order_by("pk"))
    merged_into = Patient.objects.filter(pk=patient.merged_into_id).first() if patient.merged_into_id else None
    for other in [guardian, merged_into, *wards]:
        if other is not None:
            _record(user, Action.READ, object_type="patient", object_id=other.pk, subject_ref=other.subject_ref,
                   reason="shown on a related patient's card")
    merges = list(PatientMerge.objects.filter(merged=patient) | PatientMerge.objects.filter(survivor=patient))
    return PatientCard(patient, identifiers, guardian, wards, merged_into, sorted(merges, key=lambda m: -m.pk))


# --- search ------------------------------------------------------------------------------


def search_patients(user, query: str) -> SearchResult:
    """One search box: PESEL, document, phone, e-mail or "surname [first name] [birth date or year]".

    Every search is audited (never with its text), and so is every patient it shows.
    """
    require(user, "patients.search")
    text = " ".join((query or "").split())[:200]
    if not text:
        return SearchResult("", [], _("Type a PESEL, a document number, a phone number, an e-mail address or a "
                                      "surname."))
    result = search.run(text)
    _record(user, Action.READ, object_type="patient-search", reason=f"by {result.kind}; {len(result.hits)} shown")
    for hit in result.hits:
        _record(user, Action.READ, object_type="patient", object_id=hit.patient.pk, subject_ref=hit.patient.subject_ref,
               reason="search result")
    return result


# --- duplicates --------------------------------------------------------------------------

def find_possible_duplicates(user, *, pesel: str = "", last_name: str = "", birth_date=None,
                             pesel_is_mothers: bool = False, exclude: Patient | None = None) -> list[Patient]:
    """Active patients with the same PESEL, or the same surname and birth date. Audited as read."""
    require(user, "patients.search")
    found: dict[int, Patient] = {}
    if pesel:
        for patient in Patient.objects.matching(pesel=pesel).filter(is_active=True):
            # A newborn recorded with the mother's PESEL is not the mother's duplicate.
            if patient.pesel_is_mothers == pesel_is_mothers:
                found[patient.pk] = patient
    if last_name and birth_date:
        for patient in Patient.objects.matching(last_name=last_name).filter(is_active=True):
            if patient.birth_date == birth_date:
                found[patient.pk] = patient
    if exclude is not None:
        found.pop(exclude.pk, None)
    result = sorted(found.values(), key=lambda p: p.pk)
    for patient in result:
        _record(user, Action.READ, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref,
               reason="possible duplicate")
    return result


# --- merging -----------------------------------------------------------------------------

def _links():
    """Every foreign key to Patient (hidden ones too), wherever it is declared, except the merge's own."""
    for rel in Patient._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            if rel.related_model is PatientMerge:
                continue
            yield rel.related_model, rel.field


def _link_label(model, fk) -> str:
    return f"{model._meta.label}.{fk.name}"


def _link_by_label(label: str):
    for model, fk in _links():
        if _link_label(model, fk) == label:
            return model, fk
    raise LookupError(f"no foreign key to Patient called {label}")


def _move(model, fk, pks, source: Patient, target: Patient) -> list:
    """Re-point rows at `target` one by one: save() re-encrypts them under the new subject's key."""
    moved = []
    rows = model._base_manager.filter(**{fk.name: source})
    if pks is not None:
        rows = rows.filter(pk__in=pks)
    for row in rows.order_by("pk"):
        setattr(row, fk.name, target)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise ValidationError(_("Both records have a %(what)s that cannot be shared; resolve that first.")
                                  % {"what": model._meta.verbose_name}) from None
        moved.append(row.pk)
    return moved


def merge_patients(user, survivor_id, merged_id) -> PatientMerge:
    """Join two records of one person: everything of `merged` moves to `survivor`; undoable until confirmed."""
    require(user, "patients.merge")
    with transaction.atomic():
        survivor = get_object_or_404(Patient.objects.select_for_update(), pk=_pk(survivor_id))
        merged = get_object_or_404(Patient.objects.select_for_update(), pk=_pk(merged_id))
        if survivor.pk == merged.pk:
            raise ValidationError(_("Choose two different records to merge."))
        if not (survivor.is_active and merged.is_active):
            raise ValidationError(_("One of these records was already merged into another."))
        if PatientMerge.objects.filter(state=PatientMerge.State.PENDING).filter(
                survivor__in=[survivor, merged]).exists() or PatientMerge.objects.filter(
                state=PatientMerge.State.PENDING, merged__in=[survivor, merged]).exists():
            raise ValidationError(_("Confirm or revert the pending merge of one of these records first."))
        if survivor.guardian_id == merged.pk or merged.guardian_id == survivor.pk:
            raise ValidationError(_("A patient cannot be merged with their own guardian or ward."))
        moved = {}
        retired = list(PatientIdentifier.objects.filter(patient=merged, replaced_at__isnull=True)
                       .values_list("pk", flat=True))
        PatientIdentifier.objects.filter(pk__in=retired).update(replaced_at=timezone.now(),
                                                                reason=IdentifierNote.MERGED)
        for model, fk in _links():
            pks = _move(model, fk, None, merged, survivor)
            if pks:
                moved[_link_label(model, fk)] = pks
        moved["_retired_identifiers"] = retired
        merged.is_active, merged.merged_into = False, survivor
        merged.save()
        merge = PatientMerge(survivor=survivor, merged=merged, moved=moved, requested_by=user)
        merge.save()
        _audit_merge(user, merge, "merge requested")
    return merge


def _audit_merge(user, merge, reason):
    for patient in (merge.survivor, merge.merged):
        _record(user, Action.UPDATE, object_type="patient-merge", object_id=merge.pk, subject_ref=patient.subject_ref,
               reason=reason)


def _pending_merge(user, merge_id) -> PatientMerge:
    require(user, "patients.merge")
    merge = get_object_or_404(PatientMerge.objects.select_for_update().select_related("survivor", "merged"),
                              pk=_pk(merge_id))
    if merge.state != PatientMerge.State.PENDING:
        raise ValidationError(_("This merge was already %(state)s.") % {"state": merge.get_state_display()})
    return merge


def _revert_blocked_by_pesel():
    return _("The merge cannot be reverted: the merged record's PESEL now belongs to another live patient. "
             "Correct that patient's PESEL first, or keep the merge.")


def revert_merge(user, merge_id) -> PatientMerge:
    """Undo a pending merge: what moved goes back, the merged record is active again."""
    with transaction.atomic():
        merge = _pending_merge(user, merge_id)
        merged = merge.merged
        # The merged record comes back live with its PESEL: meanwhile that PESEL may have become
        # another live patient's own (the survivor's, corrected to it after the merge).
        pesel = _covered_pesel(merged.pesel if isinstance(merged.pesel, str) else "", merged.pesel_is_mothers,
                               merged.pesel_shared)
        try:
            if pesel:
                _claim_pesel(pesel, exclude_pk=merged.pk)
        except _Held:
            raise ValidationError(_revert_blocked_by_pesel()) from None
        for label, pks in merge.moved.items():
            if label.startswith("_"):
                continue
            model, fk = _link_by_label(label)
            _move(model, fk, pks, merge.survivor, merge.merged)
        PatientIdentifier.objects.filter(pk__in=merge.moved.get("_retired_identifiers", [])).update(
            replaced_at=None, reason="")
        merged.is_active, merged.merged_into = True, None
        try:
            with transaction.atomic():
                merged.save()
        except IntegrityError:
            raise ValidationError(_revert_blocked_by_pesel()) from None
        merge.state, merge.decided_by, merge.decided_at = PatientMerge.State.REVERTED, user, timezone.now()
        merge.save()
        _audit_merge(user, merge, "merge reverted")
    return merge


def confirm_merge(user, merge_id) -> PatientMerge:
    """Make a merge final: it can no longer be reverted."""
    with transaction.atomic():
        merge = _pending_merge(user, merge_id)
        merge.state, merge.decided_by, merge.decided_at = PatientMerge.State.CONFIRMED, user, timezone.now()
        merge.save()
        _audit_merge(user, merge, "merge confirmed")
    return merge


def pending_merges(user) -> list[PatientMerge]:
    require(user, "patients.merge")
    merges = list(PatientMerge.objects.filter(state=PatientMerge.State.PENDING)
                  .select_related("survivor", "merged", "requested_by").order_by("-requested_at"))
    for merge in merges:
        for patient in (merge.survivor, merge.merged):
            _record(user, Action.READ, object_type="patient", object_id=patient.pk, subject_ref=patient.subject_ref,
                   reason="listed as a pending merge")
    return merges
