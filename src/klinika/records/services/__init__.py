"""Visit records: encounters and their versions, vital signs, allergies.

Every operation checks the policy, runs in one transaction and writes its audit events (ids
only); views, the API and the CLI call these, never the ORM. A signed version is never changed:
an amendment is a new, signed version with its author, time and reason. Every read of clinical
data is audited too.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.patients.models import Patient
from klinika.records import validators
from klinika.records.models import Allergy, Encounter, EncounterVersion, SignedRecordError, VitalSigns
from klinika.scheduling.models import Appointment, AppointmentStatus
from klinika.scheduling.services.completion import complete_signed_visit
from klinika.staff.models import Practitioner, Profession

# Appointments a visit can still be written for (a cancelled or missed one had no visit).
STARTABLE = {AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED}


def as_pk(value) -> int:
    """An id from a URL, form or JSON; anything that is not one is simply not found."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return number


# ---- reading ---------------------------------------------------------------------------------

def get_patient(user, patient_id, *, action="records.view_clinical") -> Patient:
    require(user, action)
    return get_object_or_404(Patient.objects, pk=as_pk(patient_id))


def _encounters():
    return Encounter.objects.select_related("patient", "practitioner__staff", "current")


def get_encounter(user, encounter_id) -> Encounter:
    """One visit with its current version; 404 for another clinic's id. Audited as a read."""
    require(user, "records.view_clinical")
    encounter = get_object_or_404(_encounters(), pk=as_pk(encounter_id))
    record(Action.READ, object_type="encounter", object_id=encounter.pk, subject_ref=encounter.patient.subject_ref)
    return encounter


def encounter_versions(user, encounter_id) -> tuple[Encounter, list[EncounterVersion]]:
    """Every version of a visit, the original first; each one shown is a read."""
    encounter = get_encounter(user, encounter_id)
    versions = list(EncounterVersion.objects.filter(encounter=encounter).select_related("author", "signed_by")
                    .order_by("number"))
    for version in versions:
        version.encounter = encounter  # shared, so no version looks its encounter up again
        record(Action.READ, object_type="encounter-version", object_id=version.pk,
               subject_ref=encounter.patient.subject_ref)
    return encounter, versions


# ---- writing a visit -------------------------------------------------------------------------

def practitioner_of(user) -> Practitioner:
    """The doctor a user is; a user who is none may not write visits."""
    require(user, "records.write")
    practitioner = (Practitioner.objects.select_related("staff")
                    .filter(staff__user_id=user.pk, profession=Profession.DOCTOR, is_active=True).first())
    if practitioner is None:
        raise PermissionDenied(_("Your account is not linked to an active doctor's practitioner record; "
                                 "ask the clinic administrator."))
    return practitioner


def _writable_patient(patient: Patient) -> Patient:
    if not patient.is_active or patient.merged_into_id:
        raise ValidationError(_("This patient record is no longer in use (merged or closed); "
                                "open the record in use."))
    return patient


def start_encounter(user, appointment_id=None, *, patient_id=None) -> Encounter:
    """A visit from an appointment (pressed twice, it opens the same visit) or an unplanned one."""
    practitioner = practitioner_of(user)
    if (appointment_id is None) == (patient_id is None):
        raise ValidationError(_("Start a visit from an appointment or for a patient, not both."))
    with transaction.atomic():
        appointment = None
        if appointment_id is not None:
            appointment = get_object_or_404(
                Appointment.objects.select_for_update(of=("self",)).select_related("patient"),
                pk=as_pk(appointment_id))
            existing = _encounters().filter(appointment=appointment).first()
            if existing is not None:
                record(Action.READ, object_type="encounter", object_id=existing.pk,
                       subject_ref=existing.patient.subject_ref)
                return existing
            if appointment.practitioner_id != practitioner.pk:
                raise ValidationError(_("This appointment is with another practitioner; only they can "
                                        "start its visit."))
            if appointment.status not in STARTABLE:
                raise ValidationError(_("A visit cannot be started for an appointment that is %(status)s.")
                                      % {"status": appointment.get_status_display()})
            patient = appointment.patient
        else:
            patient = get_object_or_404(Patient.objects, pk=as_pk(patient_id))
        _writable_patient(patient)
        encounter = Encounter(patient=patient, practitioner=practitioner, appointment=appointment,
                              started_at=timezone.now())
        encounter.save()
        version = EncounterVersion(encounter=encounter, number=1, author=user, content=validators.clean_content({}))
        version.save()
        encounter.current = version
        encounter.save(update_fields=["current"])
        record(Action.CREATE, object_type="encounter", object_id=encounter.pk, subject_ref=patient.subject_ref,
               reason="from appointment" if appointment else "unplanned")
    return encounter


def _locked_own_draft(user, encounter_id) -> Encounter:
    practitioner = practitioner_of(user)
    encounter = get_object_or_404(_encounters().select_for_update(of=("self",)), pk=as_pk(encounter_id))
    if encounter.practitioner_id != practitioner.pk:
        raise PermissionDenied(_("Only the visit's own practitioner may edit or sign it."))
    if encounter.status != Encounter.Status.DRAFT:
        raise ValidationError(_("This visit is signed and can no longer be edited; write an amendment instead."))
    return encounter


def _write_draft(encounter: Encounter, content: dict) -> EncounterVersion:
    version = encounter.current
    version.encounter = encounter
    version.content = content
    try:
        version.save(update_fields=["content"])
    except (SignedRecordError, IntegrityError):  # signed by a parallel request a moment ago
        raise ValidationError(_("This visit is signed and can no longer be edited; write an amendment instead.")) \
            from None
    return version


def save_draft(user, encounter_id, data: dict) -> Encounter:
    """Store what the doctor wrote so far; the draft may still lack a diagnosis."""
    with transaction.atomic():
        encounter = _locked_own_draft(user, encounter_id)
        content = validators.clean_content(data)
        _write_draft(encounter, content)
        record(Action.UPDATE, object_type="encounter", object_id=encounter.pk,
               subject_ref=encounter.patient.subject_ref, reason="draft saved")
    return encounter


def autosave_draft(user, encounter_id, data: dict) -> tuple[Encounter, bool]:
    """What the visit screen sends on its own while the doctor types: stored exactly as "Save draft"
    stores it (same checks, the same encrypted draft version), and audited the same way, one event
    per stored change. A save that changes nothing writes nothing and records nothing, so the
    screen's repeated saves do not pile up in the audit trail. Returns (visit, whether it changed)."""
    with transaction.atomic():
        encounter = _locked_own_draft(user, encounter_id)
        content = validators.clean_content(data)
        if content == encounter.current.content:
            return encounter, False
        _write_draft(encounter, content)
        record(Action.UPDATE, object_type="encounter", object_id=encounter.pk,
               subject_ref=encounter.patient.subject_ref, reason="draft autosaved")
    return encounter, True


def sign(user, encounter_id, data: dict | None = None) -> Encounter:
    """Sign the visit (after storing `data`, when given): from now on it changes only by amendment.
    Its appointment, if it has one that is still booked or checked in, is completed with it."""
    with transaction.atomic():
        encounter = _locked_own_draft(user, encounter_id)
        if data is not None:
            _write_draft(encounter, validators.clean_content(data))
        validators.check_signable(encounter.current.content)
        now = timezone.now()
        version = encounter.current
        version.signed_at, version.signed_by = now, user
        version.save(update_fields=["signed_at", "signed_by"])
        encounter.status, encounter.signed_at = Encounter.Status.SIGNED, now
        encounter.save(update_fields=["status", "signed_at"])
        record(Action.UPDATE, object_type="encounter", object_id=encounter.pk,
               subject_ref=encounter.patient.subject_ref, reason="signed")
        if encounter.appointment_id is not None:
            # In this transaction: a visit is never signed while its appointment still says "booked".
            complete_signed_visit(user, encounter.appointment_id)
    return encounter


def amend(user, encounter_id, data: dict, reason: str) -> EncounterVersion:
    """A new, signed version of a signed visit. Any doctor of the clinic may amend (the original
    author may have left); the version records who did it, when and why."""
    practitioner_of(user)
    with transaction.atomic():
        encounter = get_object_or_404(_encounters().select_for_update(of=("self",)), pk=as_pk(encounter_id))
        if encounter.status != Encounter.Status.SIGNED:
            raise ValidationError(_("Only a signed visit is amended; a draft is simply edited."))
        reason = validators.clean_reason(reason)
        content = validators.clean_content(data)
        validators.check_signable(content)
        if content == encounter.current.content:
            raise ValidationError(_("The amendment changes nothing in the visit record."))
        number = EncounterVersion.objects.filter(encounter=encounter).order_by("-number").values_list(
            "number", flat=True).first() + 1
        now = timezone.now()
        version = EncounterVersion(encounter=encounter, number=number, content=content, amendment_reason=reason,
                                   author=user, signed_at=now, signed_by=user)
        version.save()
        encounter.current = version
        encounter.save(update_fields=["current"])
        subject = encounter.patient.subject_ref
        record(Action.CREATE, object_type="encounter-version", object_id=version.pk, subject_ref=subject,
               reason=f"amendment {number}")
        record(Action.UPDATE, object_type="encounter", object_id=encounter.pk, subject_ref=subject,
               reason=f"amended to version {number}")
    return version


# ---- vital signs -----------------------------------------------------------------------------

def record_vitals(user, patient_id, values: dict, *, encounter_id=None, supersedes_id=None) -> VitalSigns:
    """A set of measurements; a correction is a new row that supersedes the one it corrects."""
    require(user, "records.vitals")
    with transaction.atomic():
        patient = get_object_or_404(Patient.objects, pk=as_pk(patient_id))
        encounter = None
        if encounter_id not in (None, ""):
            encounter = Encounter.objects.filter(pk=as_pk(encounter_id), patient=patient).first()
            if encounter is None:
                raise ValidationError({"encounter": _("Choose a visit of this patient.")})
        supersedes = None
        if supersedes_id not in (None, ""):
            supersedes = (VitalSigns.objects.select_for_update().filter(pk=as_pk(supersedes_id), patient=patient)
                          .first())
            if supersedes is None:
                raise ValidationError({"supersedes": _("Choose a measurement of this patient to correct.")})
            if VitalSigns.objects.filter(supersedes=supersedes).exists():
                raise ValidationError({"supersedes": _("This measurement was already corrected; correct the "
                                                       "newest one.")})
            encounter = encounter or supersedes.encounter
        cleaned = validators.clean_vitals(values, patient_sex=patient.sex)
        row = VitalSigns(patient=patient, encounter=encounter, values=cleaned, recorded_by=user,
                         supersedes=supersedes)
        row.save()
        record(Action.CREATE, object_type="vital-signs", object_id=row.pk, subject_ref=patient.subject_ref,
               reason=f"corrects {supersedes.pk}" if supersedes else "")
    return row


def current_vitals(user, patient_id, *, limit=10) -> tuple[Patient, list[VitalSigns]]:
    """The newest measurements that no correction replaced, newest first."""
    patient = get_patient(user, patient_id, action="records.vitals")
    rows = list(VitalSigns.objects.filter(patient=patient, superseded_by__isnull=True)
                .select_related("recorded_by").order_by("-recorded_at", "-pk")[:limit])
    record(Action.READ, object_type="vital-signs-list", object_id=patient.pk, subject_ref=patient.subject_ref,
           reason=f"{len(rows)} shown")
    return patient, rows


def vitals_row(user, patient: Patient, vitals_id) -> VitalSigns | None:
    """One set of measurements of this patient (to correct it), or None."""
    require(user, "records.vitals", patient)
    row = VitalSigns.objects.filter(pk=as_pk(vitals_id), patient=patient).first()
    if row is not None:
        record(Action.READ, object_type="vital-signs", object_id=row.pk, subject_ref=patient.subject_ref)
    return row


# ---- allergies -------------------------------------------------------------------------------

def add_allergy(user, patient_id, *, substance: str, reaction: str = "", severity: str = "") -> Allergy:
    require(user, "records.allergies")
    try:
        substance, reaction, severity = validators.clean_allergy(substance, reaction, severity)
        errors = None
    except ValidationError as error:
        errors = error
    with transaction.atomic():
        patient = get_object_or_404(Patient.objects, pk=as_pk(patient_id))
        if errors:
            raise errors
        allergy = Allergy(patient=patient, substance=substance, reaction=reaction, severity=severity,
                          recorded_by=user)
        allergy.save()
        record(Action.CREATE, object_type="allergy", object_id=allergy.pk, subject_ref=patient.subject_ref)
    return allergy


def deactivate_allergy(user, allergy_id) -> Allergy:
    """An allergy recorded in error or outgrown: kept on record, no longer shown as active."""
    require(user, "records.allergies")
    with transaction.atomic():
        allergy = get_object_or_404(Allergy.objects.select_for_update(of=("self",)).select_related("patient"),
                                    pk=as_pk(allergy_id))
        if allergy.is_active:
            allergy.is_active = False
            allergy.save(update_fields=["is_active"])
            record(Action.UPDATE, object_type="allergy", object_id=allergy.pk,
                   subject_ref=allergy.patient.subject_ref, reason="marked inactive")
    return allergy


def active_allergies(user, patient_id) -> tuple[Patient, list[Allergy]]:
    patient = get_patient(user, patient_id)
    allergies = list(Allergy.objects.filter(patient=patient, is_active=True).order_by("pk"))
    record(Action.READ, object_type="allergy-list", object_id=patient.pk, subject_ref=patient.subject_ref,
           reason=f"{len(allergies)} shown")
    return patient, allergies
