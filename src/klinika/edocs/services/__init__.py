"""e-Document operations: write (draft), sign, cancel, reissue, print, resend the access code; and reads.

Every operation checks the policy, runs in one transaction, writes its audit events and a
DocumentEvent for each status change. Views, the API and the CLI call these.

A prescription package is signed, submitted and printed as a unit (one access code); each
prescription in it is cancelled on its own. Content is fixed once a document leaves draft
(database triggers refuse any change): saves after that name their fields (never `content`).
"""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klinika.accounts.policy import require
from klinika.audit.context import Actor, current_actor
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.edocs import rules, statuses
from klinika.edocs.models import (
    DocKind,
    DocStatus,
    DocumentEvent,
    Drug,
    Prescription,
    PrescriptionPackage,
    Referral,
    SickLeave,
)
from klinika.edocs.services.numbering import new_access_code, next_number
from klinika.patients.models import Patient
from klinika.records.models import Encounter
from klinika.staff.models import Practitioner, Profession

MODELS = {DocKind.PRESCRIPTION: Prescription, DocKind.REFERRAL: Referral, DocKind.SICK_LEAVE: SickLeave}
OBJECT_TYPE = {DocKind.PRESCRIPTION: "e-prescription", DocKind.REFERRAL: "e-referral",
               DocKind.SICK_LEAVE: "e-sick-leave"}
PACKAGE_TYPE = "e-prescription-package"
PRINTABLE = {DocStatus.SIGNED, DocStatus.SUBMITTED}


class CancelReason:
    CHOICES = {
        "error": gettext_lazy("issued with an error"),
        "patient": gettext_lazy("at the patient's request"),
        "not_needed": gettext_lazy("no longer needed"),
        "duplicate": gettext_lazy("issued twice"),
    }


def _record(user, action, **details):
    """An audit event naming `user` (the request's actor when it is them, so the request id is kept)."""
    actor = current_actor()
    if actor.user_id != getattr(user, "pk", None):
        actor = Actor(user.pk, user.role, actor.request_id)
    record(action, actor=actor, **details)


def as_kind(value) -> DocKind:
    try:
        return DocKind(value)
    except ValueError:
        raise Http404 from None


def _pk(value) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return number


def event(kind, document, from_status, to_status, detail="", user=None):
    DocumentEvent(kind=kind, document_id=document.pk, from_status=from_status or "", to_status=to_status,
                  detail=detail[:300], actor=user if getattr(user, "pk", None) else None).save()


def issuer(user) -> Practitioner:
    """The doctor's practitioner record: documents are issued under their licence number."""
    practitioner = (Practitioner.objects.select_related("staff")
                    .filter(staff__user=user, is_active=True, profession=Profession.DOCTOR).first())
    if practitioner is None:
        raise ValidationError({"__all__": _("Your account is not linked to an active doctor with a licence "
                                             "number; ask the clinic administrator.")})
    return practitioner


def _patient_and_encounter(patient_id, encounter_id):
    encounter = None
    if encounter_id not in (None, ""):
        encounter = get_object_or_404(Encounter.objects.select_related("patient"), pk=_pk(encounter_id))
        patient = encounter.patient
        if patient_id not in (None, "") and _pk(patient_id) != patient.pk:
            raise ValidationError({"__all__": _("The visit belongs to another patient.")})
    elif patient_id not in (None, ""):
        patient = get_object_or_404(Patient.objects, pk=_pk(patient_id))
    else:
        raise ValidationError({"__all__": _("Choose the patient or the visit the document is for.")})
    if not patient.is_active or patient.merged_into_id:
        raise ValidationError({"__all__": _("This patient record is closed (merged into another); "
                                            "issue the document on the current record.")})
    return patient, encounter


# --- writing ------------------------------------------------------------------------------------

def issue_prescriptions(user, *, items, patient_id=None, encounter_id=None) -> PrescriptionPackage:
    """A draft package of 1–5 prescriptions with one access code; numbers are taken now."""
    require(user, "edocs.issue")
    practitioner = issuer(user)
    patient, encounter = _patient_and_encounter(patient_id, encounter_id)
    contents = rules.clean_prescriptions(items, patient=patient, issued_on=timezone.localdate())
    with transaction.atomic():
        code = new_access_code()
        package = PrescriptionPackage(patient=patient, practitioner=practitioner, encounter=encounter,
                                      access_code=code)
        package.save()
        for content in contents:
            prescription = Prescription(package=package, patient=patient, practitioner=practitioner,
                                        encounter=encounter, number=next_number(DocKind.PRESCRIPTION),
                                        content=content, access_code=code)
            prescription.save()
            event(DocKind.PRESCRIPTION, prescription, "", DocStatus.DRAFT, f"written in package {package.pk}", user)
        _record(user, Action.CREATE, object_type=PACKAGE_TYPE, object_id=package.pk, subject_ref=patient.subject_ref,
                reason=f"{len(contents)} prescription(s), draft")
    return package


def create_referral(user, *, data, patient_id=None, encounter_id=None) -> Referral:
    require(user, "edocs.issue")
    practitioner = issuer(user)
    patient, encounter = _patient_and_encounter(patient_id, encounter_id)
    content = rules.clean_referral(data or {}, issued_on=timezone.localdate())
    with transaction.atomic():
        referral = Referral(patient=patient, practitioner=practitioner, encounter=encounter,
                            number=next_number(DocKind.REFERRAL), content=content, access_code=new_access_code())
        referral.save()
        event(DocKind.REFERRAL, referral, "", DocStatus.DRAFT, "written", user)
        _record(user, Action.CREATE, object_type=OBJECT_TYPE[DocKind.REFERRAL], object_id=referral.pk,
                subject_ref=patient.subject_ref, reason="draft")
    return referral


def create_sick_leave(user, *, data, patient_id=None, encounter_id=None, reissue_of=None) -> SickLeave:
    require(user, "edocs.issue")
    practitioner = issuer(user)
    patient, encounter = _patient_and_encounter(patient_id, encounter_id)
    reference_day = _issue_day(reissue_of) if reissue_of is not None else None
    content = rules.clean_sick_leave(data or {}, patient=patient, issued_on=timezone.localdate(),
                                     reference_day=reference_day)
    if reference_day is not None:
        content["reference_day"] = (reissue_of.content.get("reference_day") or reference_day.isoformat())
    with transaction.atomic():
        leave = SickLeave(patient=patient, practitioner=practitioner, encounter=encounter, reissue_of=reissue_of,
                          number=next_number(DocKind.SICK_LEAVE), content=content)
        leave.save()
        detail = f"written, reissuing {reissue_of.number}" if reissue_of is not None else "written"
        event(DocKind.SICK_LEAVE, leave, "", DocStatus.DRAFT, detail, user)
        _record(user, Action.CREATE, object_type=OBJECT_TYPE[DocKind.SICK_LEAVE], object_id=leave.pk,
                subject_ref=patient.subject_ref,
                reason="draft" + (f", reissue of {reissue_of.pk}" if reissue_of is not None else ""))
    return leave


def _issue_day(document):
    moment = document.signed_at or document.created_at
    return timezone.localdate(moment)


# --- units: a package (rx) or a single referral / sick leave ------------------------------------

def _unit_documents(kind, unit_id, *, lock=False) -> list:
    kind = as_kind(kind)
    model = MODELS[kind]
    qs = model.objects.select_related("patient", "practitioner__staff")
    if lock:
        qs = qs.select_for_update(of=("self",)) if transaction.get_connection().features.has_select_for_update_of \
            else qs.select_for_update()
    if kind == DocKind.PRESCRIPTION:
        package = get_object_or_404(PrescriptionPackage.objects, pk=_pk(unit_id))
        documents = list(qs.filter(package=package).order_by("pk"))
    else:
        documents = [get_object_or_404(qs, pk=_pk(unit_id))]
    return documents


def _unit_id(kind, document) -> int:
    return document.package_id if kind == DocKind.PRESCRIPTION else document.pk


def _unit_type(kind) -> str:
    return PACKAGE_TYPE if kind == DocKind.PRESCRIPTION else OBJECT_TYPE[kind]


def sign(user, kind, unit_id):
    """Sign a draft (a whole prescription package): its content is fixed from now on; submission is queued."""
    from klinika.edocs.services import submission

    require(user, "edocs.issue")
    kind = as_kind(kind)
    practitioner = issuer(user)
    today = timezone.localdate()
    with transaction.atomic():
        documents = _unit_documents(kind, unit_id, lock=True)
        drafts = [d for d in documents if d.status == DocStatus.DRAFT]
        if not drafts:
                raise ValidationError({"__all__": _("Only a draft can be signed; this document is %(status)s.")
                                   % {"status": statuses.describe_document(kind, documents[0])}})
        if drafts[0].practitioner_id != practitioner.pk:
            raise ValidationError({"__all__": _("Only the doctor who wrote the document may sign it.")})
        if _issue_day(drafts[0]) != today:
            raise ValidationError({"__all__": _("This draft was written on an earlier day; its dates were checked "
                                                "for that day. Discard it and write a new one.")})
        now = timezone.now()
        for document in drafts:
            document.status, document.signed_at, document.next_attempt_at = DocStatus.SIGNED, now, now
            document.save(update_fields=["status", "signed_at", "next_attempt_at"])
            event(kind, document, DocStatus.DRAFT, DocStatus.SIGNED, "signed", user)
        _record(user, Action.UPDATE, object_type=_unit_type(kind), object_id=unit_id,
                subject_ref=drafts[0].patient.subject_ref, reason="signed")
    submission.enqueue(drafts[0].clinic_id, kind, _unit_id(kind, drafts[0]))
    return _refreshed(documents)


def submit_again(user, kind, unit_id):
    """Queue a signed document's submission now (after an outage, without waiting for the next retry)."""
    from klinika.edocs.services import submission

    require(user, "edocs.issue")
    kind = as_kind(kind)
    with transaction.atomic():
        documents = [d for d in _unit_documents(kind, unit_id, lock=True) if d.status == DocStatus.SIGNED]
        if not documents:
            raise ValidationError({"__all__": _("Only a signed document waiting for the platform can be sent again.")})
        now = timezone.now()
        for document in documents:
            document.next_attempt_at = now
            document.save(update_fields=["next_attempt_at"])
            event(kind, document, DocStatus.SIGNED, DocStatus.SIGNED, "submission requested again", user)
        _record(user, Action.UPDATE, object_type=_unit_type(kind), object_id=unit_id,
                subject_ref=documents[0].patient.subject_ref, reason="submission requested again")
    submission.enqueue(documents[0].clinic_id, kind, _unit_id(kind, documents[0]))
    return _refreshed(documents)


def _refreshed(documents) -> list:
    """The documents as they are now: a task backend that runs at once may have submitted them already."""
    for document in documents:
        document.refresh_from_db(fields=["status", "platform_id", "submitted_at", "submit_attempts", "last_error",
                                         "next_attempt_at"])
    return documents


def cancel_document(user, kind, document_id, reason: str = "error"):
    """Cancel one document (one prescription of a package). A draft is simply discarded; a registered
    document is cancelled on the platform first; an e-ZLA only within 3 working days of its issue."""
    from klinika.edocs import gateway

    require(user, "edocs.issue")
    kind = as_kind(kind)
    if reason not in CancelReason.CHOICES:
        raise ValidationError({"reason": _("Choose why the document is cancelled.")})
    model = MODELS[kind]
    document = get_object_or_404(model.objects.select_related("patient"), pk=_pk(document_id))
    _check_cancellable(kind, document)
    if document.status == DocStatus.SUBMITTED and document.platform_id:
        try:
            answer = gateway.platform().cancel(kind, str(document.clinic_id), document.platform_id, reason)
        except gateway.GatewayUnavailable:
            raise ValidationError({"__all__": _("The national platform cannot be reached now, so the document "
                                                "was not cancelled. Try again in a few minutes.")}) from None
        if not answer.accepted and "ALREADY-CANCELLED" not in answer.reason:
            raise ValidationError({"__all__": _("The platform refused the cancellation: %(reason)s")
                                   % {"reason": answer.reason}})
    with transaction.atomic():
        document = get_object_or_404(model.objects.select_for_update().select_related("patient"), pk=document.pk)
        _check_cancellable(kind, document)
        before = document.status
        document.status, document.next_attempt_at = DocStatus.CANCELLED, None
        fields = ["status", "next_attempt_at"]
        if kind == DocKind.SICK_LEAVE:
            document.cancelled_at = timezone.now()
            fields.append("cancelled_at")
        document.save(update_fields=fields)
        detail = "draft discarded" if before == DocStatus.DRAFT else f"cancelled ({reason})"
        event(kind, document, before, DocStatus.CANCELLED, detail, user)
        _record(user, Action.UPDATE, object_type=OBJECT_TYPE[kind], object_id=document.pk,
                subject_ref=document.patient.subject_ref, reason=detail)
    return document


IMPORTED_MESSAGE = gettext_lazy("This document was issued outside klinika and imported as history; cancel or "
                                "correct it where it was issued.")


def _check_cancellable(kind, document):
    if document.status == DocStatus.IMPORTED:
        raise ValidationError({"__all__": str(IMPORTED_MESSAGE)})
    if document.status == DocStatus.CANCELLED:
        raise ValidationError({"__all__": _("This document is already cancelled.")})
    if document.status == DocStatus.REJECTED:
        raise ValidationError({"__all__": _("The platform rejected this document, so it was never valid; "
                                            "there is nothing to cancel.")})
    if kind == DocKind.SICK_LEAVE and document.status != DocStatus.DRAFT:
        rules.check_sick_leave_cancel(_issue_day(document), timezone.localdate())


def reissue_sick_leave(user, sick_leave_id, *, data, reason: str = "error") -> SickLeave:
    """Cancel an issued e-ZLA (unless it already is) and write its corrected successor (a draft)."""
    require(user, "edocs.issue")
    old = get_object_or_404(SickLeave.objects.select_related("patient"), pk=_pk(sick_leave_id))
    if SickLeave.objects.filter(reissue_of=old).exists():
        raise ValidationError({"__all__": _("This e-ZLA was already reissued.")})
    if old.status == DocStatus.DRAFT:
        raise ValidationError({"__all__": _("A draft is not reissued: discard it and write a new one.")})
    if old.status == DocStatus.IMPORTED:
        raise ValidationError({"__all__": str(IMPORTED_MESSAGE)})
    if old.status == DocStatus.REJECTED:
        raise ValidationError({"__all__": _("The platform rejected this e-ZLA; write a new one instead.")})
    issuer(user)
    rules.check_sick_leave_cancel(_issue_day(old), timezone.localdate())
    # The corrected data is checked before the old e-ZLA is cancelled: bad input changes nothing.
    rules.clean_sick_leave(data or {}, patient=old.patient, issued_on=timezone.localdate(),
                           reference_day=_issue_day(old))
    if old.status != DocStatus.CANCELLED:
        old = cancel_document(user, DocKind.SICK_LEAVE, old.pk, reason)
    return create_sick_leave(user, data=data, patient_id=old.patient_id, encounter_id=old.encounter_id,
                             reissue_of=old)


# --- printouts and notices ----------------------------------------------------------------------

def printout(user, kind, unit_id) -> tuple[str, bytes]:
    """(file name, PDF) of a signed document for the patient; printing is audited."""
    from klinika.edocs import printouts

    require(user, "edocs.issue")
    kind = as_kind(kind)
    documents = [d for d in _unit_documents(kind, unit_id) if d.status in PRINTABLE]
    if not documents:
        raise ValidationError({"__all__": _("Only a signed document that is not cancelled can be printed.")})
    pdf = printouts.render(kind, documents)
    _record(user, Action.PRINT, object_type=_unit_type(kind), object_id=unit_id,
            subject_ref=documents[0].patient.subject_ref, reason=f"printout of {len(documents)} document(s)")
    return printouts.file_name(kind, documents), pdf


def resend_access_code(user, kind, unit_id):
    """Send the patient the access code again (SMS or e-mail, as they chose)."""
    from klinika.edocs import notices

    require(user, "edocs.issue")
    kind = as_kind(kind)
    if kind == DocKind.SICK_LEAVE:
        raise ValidationError({"__all__": _("An e-ZLA has no access code: ZUS sends it to the employer.")})
    documents = [d for d in _unit_documents(kind, unit_id) if d.status == DocStatus.SUBMITTED]
    if not documents:
        raise ValidationError({"__all__": _("The access code works once the platform has registered the "
                                            "document; this one is not registered.")})
    _record(user, Action.EXPORT, object_type=_unit_type(kind), object_id=unit_id,
            subject_ref=documents[0].patient.subject_ref, reason="access code sent again")
    return notices.send_access_code(kind, documents, user=user)


# --- reading ------------------------------------------------------------------------------------

@dataclass
class Unit:
    """What the doctor sees of one package, referral or sick leave."""

    kind: DocKind
    id: int
    documents: list
    patient: Patient
    access_code: str = ""

    @property
    def status(self) -> str:
        present = {d.status for d in self.documents}
        for status in (DocStatus.DRAFT, DocStatus.SIGNED, DocStatus.SUBMITTED, DocStatus.REJECTED,
                       DocStatus.IMPORTED):
            if status in present:
                return status
        return DocStatus.CANCELLED

    @property
    def status_label(self) -> str:
        """What happened to the unit, in words (signed is "waiting to be sent", not "sent")."""
        status = self.status
        example = next(d for d in self.documents if d.status == status)
        return statuses.describe(self.kind, status, many=len(self.documents) > 1, reason=example.last_error,
                                 stalled=all(statuses.is_stalled(d) for d in self.documents
                                             if d.status == DocStatus.SIGNED))

    @property
    def registered(self) -> bool:
        """The platform confirmed the unit: only then do its access code and platform ids work."""
        return self.status == DocStatus.SUBMITTED and any(statuses.is_registered(d) for d in self.documents)

    @property
    def valid_access_code(self) -> str:
        """The access code once the platform has registered the unit; "" before (it works nowhere yet)."""
        return self.access_code if self.registered else ""

    @property
    def platform(self) -> str:
        return statuses.platform_name(self.kind)

    @property
    def first(self):
        return self.documents[0]

    @property
    def printable(self) -> bool:
        return any(d.status in PRINTABLE for d in self.documents)

    @property
    def waiting(self) -> bool:
        return any(d.status == DocStatus.SIGNED for d in self.documents)


@dataclass
class Panel:
    encounter: Encounter
    patient: Patient
    packages: list[Unit] = field(default_factory=list)
    referrals: list[Unit] = field(default_factory=list)
    sick_leaves: list[Unit] = field(default_factory=list)
    main_diagnosis: str = ""


def _audit_reads(user, units):
    for unit in units:
        _record(user, Action.READ, object_type=_unit_type(unit.kind), object_id=unit.id,
                subject_ref=unit.patient.subject_ref)


def encounter_panel(user, encounter_id) -> Panel:
    require(user, "edocs.issue")
    encounter = get_object_or_404(Encounter.objects.select_related("patient", "current"), pk=_pk(encounter_id))
    patient = encounter.patient
    panel = Panel(encounter, patient, main_diagnosis=_main_diagnosis(encounter))
    packages = {}
    for rx in Prescription.objects.filter(encounter=encounter).select_related("package").order_by("pk"):
        packages.setdefault(rx.package_id, []).append(rx)
    panel.packages = [Unit(DocKind.PRESCRIPTION, pid, docs, patient, docs[0].package.access_code)
                      for pid, docs in sorted(packages.items(), reverse=True)]
    panel.referrals = [Unit(DocKind.REFERRAL, r.pk, [r], patient, r.access_code)
                       for r in Referral.objects.filter(encounter=encounter).order_by("-pk")]
    panel.sick_leaves = [Unit(DocKind.SICK_LEAVE, s.pk, [s], patient)
                         for s in SickLeave.objects.filter(encounter=encounter).order_by("-pk")]
    _audit_reads(user, panel.packages + panel.referrals + panel.sick_leaves)
    return panel


def _main_diagnosis(encounter) -> str:
    """The visit's main ICD-10 code, to start the referral and sick-leave forms with."""
    content = encounter.current.content if encounter.current_id and encounter.current else None
    diagnoses = (content or {}).get("diagnoses") or [] if isinstance(content, dict) else []
    main = next((d for d in diagnoses if d.get("main")), diagnoses[0] if diagnoses else None)
    return str(main.get("code") or "") if isinstance(main, dict) else ""


def get_unit(user, kind, unit_id) -> Unit:
    require(user, "edocs.issue")
    kind = as_kind(kind)
    documents = _unit_documents(kind, unit_id)
    code = documents[0].package.access_code if kind == DocKind.PRESCRIPTION else documents[0].access_code
    unit = Unit(kind, _unit_id(kind, documents[0]), documents, documents[0].patient, code or "")
    _audit_reads(user, [unit])
    return unit


def history(user, kind, unit_id) -> list[DocumentEvent]:
    unit = get_unit(user, kind, unit_id)
    ids = [d.pk for d in unit.documents]
    return list(DocumentEvent.objects.filter(kind=unit.kind, document_id__in=ids).select_related("actor")
                .order_by("at", "pk"))


def current_prescriptions(user, patient_id, today=None) -> tuple[Patient, list[Prescription]]:
    """Prescriptions the patient can still have dispensed: signed or registered, not past their validity."""
    require(user, "edocs.issue")
    patient = get_object_or_404(Patient.objects, pk=_pk(patient_id))
    today = today or timezone.localdate()
    current = [rx for rx in Prescription.objects.filter(patient=patient, status__in=PRINTABLE).order_by("-pk")
               if isinstance(rx.content, dict) and rules.valid_until(rx.content) >= today]
    for rx in current:
        _record(user, Action.READ, object_type=OBJECT_TYPE[DocKind.PRESCRIPTION], object_id=rx.pk,
                subject_ref=patient.subject_ref, reason="current prescriptions")
    return patient, current


def search_drugs(user, query: str, limit: int = 10) -> list[Drug]:
    """The built-in list (not personal data) by any word of the name, for the type-ahead."""
    require(user, "edocs.issue")
    words = str(query or "").split()[:4]
    if not words or len(" ".join(words)) < 2:
        return []
    qs = Drug.objects.all()
    for word in words:
        qs = qs.filter(name__icontains=word[:40])
    return list(qs[:limit])


def get_encounter(user, encounter_id) -> Encounter:
    """The visit a new document is written in (404 for another clinic's id)."""
    require(user, "edocs.issue")
    return get_object_or_404(Encounter.objects.select_related("patient", "current"), pk=_pk(encounter_id))


def main_diagnosis(encounter) -> str:
    return _main_diagnosis(encounter)


def search_codes(user, system: str, query: str, limit: int = 10):
    """ICD-10 / ICD-9-PL codes (a code list, not personal data) by code or words of the name."""
    from klinika.records.models import Code, CodeSystem

    require(user, "edocs.issue")
    if system not in CodeSystem.values:
        return []
    words = str(query or "").lower().split()[:4]
    if not words:
        return []
    qs = Code.objects.filter(system=system)
    for word in words:
        qs = qs.filter(search_text__icontains=word[:40])
    return list(qs.order_by("code")[:limit])
