"""Incident register operations: open, scope, record the report, and send the art. 34 notices.

Each operation runs in one transaction with its audit event (ids and codes only). The web passes the
DPO (policy "breach.manage"); the CLI passes no user: it runs on the vendor's machine, as the other
operator commands do.

Sending notices is resumable and safe to run twice at once:
- prepare_notices() inserts one Notice per (incident, person, channel); the unique constraint makes
  a second prepare add only what is missing;
- a sender claims a batch of pending notices (an UPDATE ... WHERE status = 'pending': two senders
  never claim the same row), sends each through notify, and marks it "sent" only when the gateway
  accepted it (notify's record says so);
- claims of a sender that is gone (its run ended, its process is dead on this host, or, on another
  host, it stopped beating for LEASE) are reconciled before sending: notify's record of the message (reference
  "breach-notice:<id>") tells whether it went out; a message notify recorded as queued (the process
  died inside the gateway call) is checked against the gateway's own record where the gateway keeps
  one (the file simulator's outbox), and otherwise held "in doubt" for the DPO, never resent blindly.
"""
import contextlib
import datetime
import os
import socket
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.policy import require
from klinika.audit.context import Actor, acting_as, current_actor
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.breach import deadlines, notices, severity
from klinika.breach import scope as scoping
from klinika.breach.copies import without_password
from klinika.breach.models import (
    AffectedPerson,
    DetectedBy,
    Incident,
    Loss,
    Notice,
    NoticeRun,
    Recipients,
    SourceKind,
)
from klinika.crypto import keystore
from klinika.notify.gateways import sms_gateway
from klinika.notify.gateways.file import FileSmsGateway, read_outbox
from klinika.notify.models import OutboundMessage
from klinika.notify.phones import to_msisdn
from klinika.notify.services import send_email, send_sms_many
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic

PURPOSE = "breach-notice"
CLI_ACTOR = Actor(None, "breach-cli")
LEASE = datetime.timedelta(minutes=10)  # a sender on another host silent this long is taken for dead
MAX_ATTEMPTS = 5
HIGH_LEVELS = {"high", "very_high"}


def _actor(user):
    if user is not None:
        return Actor(user.pk, user.role)
    return current_actor() if current_actor().user_id is not None else CLI_ACTOR


def _check(user, incident=None):
    if user is not None:
        require(user, "breach.manage", incident)


# --------------------------------------------------------------------------- the register


def open_incident(clinic, *, summary: str, detected_at, source_kind: str, source_ref: str = "",
                  keystore_exposed: bool, root_key_exposed: bool, contact_point: str, window_start=None,
                  window_end=None, detected_by: str = DetectedBy.CONTROLLER, recipients: str = Recipients.UNKNOWN,
                  malicious: bool = True, integrity_loss: str = Loss.NONE, availability_loss: str = Loss.NONE,
                  measures_taken: str = "", case: uuid.UUID | None = None, user=None, now=None) -> Incident:
    """Register an incident of `clinic`. Whether keys were exposed must be answered: there is no default."""
    _check(user)
    now = now or timezone.now()
    problems = {}
    if not (summary or "").strip():
        problems["summary"] = _("Say what happened.")
    if detected_at is None or detected_at > now + datetime.timedelta(minutes=5):
        problems["detected_at"] = _("Give the time of awareness; it cannot be in the future.")
    if window_start and window_end and window_start > window_end:
        problems["window_end"] = _("The time window ends before it starts.")
    if source_kind not in SourceKind.values:
        problems["source_kind"] = _("Choose the source of the breach.")
    if not isinstance(keystore_exposed, bool) or not isinstance(root_key_exposed, bool):
        problems["keys"] = _("Say whether the keystore and the root key were exposed too.")
    if not (contact_point or "").strip():
        problems["contact_point"] = _("Give a contact point (the data protection officer's e-mail or phone).")
    for name, value, choices in (("detected_by", detected_by, DetectedBy), ("recipients", recipients, Recipients),
                                 ("integrity_loss", integrity_loss, Loss), ("availability_loss", availability_loss,
                                                                            Loss)):
        if value not in choices.values:
            problems[name] = _("Choose one of the listed values.")
    if problems:
        raise ValidationError(problems)
    clinic_id = getattr(clinic, "pk", clinic)
    with clinic_context(clinic_id), acting_as(_actor(user)):
        for attempt in range(5):
            try:
                with transaction.atomic():
                    day = timezone.localtime(detected_at).strftime("%Y%m%d")
                    number = Incident.objects.filter(reference__startswith=f"INC-{day}-").count() + 1 + attempt
                    incident = Incident(
                        reference=f"INC-{day}-{number:03d}", summary=summary.strip(), detected_at=detected_at,
                        detected_by=detected_by, window_start=window_start, window_end=window_end,
                        source_kind=source_kind, source_ref=without_password(source_ref),
                        keystore_exposed=keystore_exposed, root_key_exposed=root_key_exposed, recipients=recipients,
                        malicious=malicious, integrity_loss=integrity_loss, availability_loss=availability_loss,
                        contact_point=contact_point.strip(), measures_taken=(measures_taken or "").strip(),
                        case=case or uuid.uuid4(), opened_by=getattr(user, "username", "") or "cli")
                    incident.save()
                    record(Action.CREATE, object_type="breach-incident", object_id=incident.public_id,
                           reason=f"{source_kind}; keystore exposed: {keystore_exposed}; "
                                  f"root key exposed: {root_key_exposed}")
                return incident
            except IntegrityError:
                continue  # a parallel open took the number
    raise RuntimeError("could not number the incident; retry")


def find_incident(ref: str, clinic=None) -> Incident:
    """An incident by its public id, or by its reference within `clinic` (in that clinic's context)."""
    try:
        public_id = uuid.UUID(str(ref))
    except ValueError:
        public_id = None
    with clinic_context(clinic) if clinic is not None else contextlib.nullcontext():
        if public_id is not None:
            from klinika.tenancy.context import cross_clinic

            with cross_clinic("breach: find an incident by its public id (ids only)"):
                found = Incident.objects.filter(public_id=public_id).first()
        elif clinic is not None:
            found = Incident.objects.filter(reference=ref).first()
        else:
            raise LookupError(f"{ref!r}: give the incident's public id, or its reference with --clinic")
    if found is None:
        raise LookupError(f"No incident {ref!r}; `klinika breach list` shows them")
    return found


def scope_incident(incident: Incident, *, user=None) -> Incident:
    """Work out the scope and the severity and store them, with the list of people concerned."""
    _check(user, incident)
    with clinic_context(incident.clinic_id), acting_as(_actor(user)):
        found = scoping.compute(incident)
        data = found.as_dict()
        assessed = severity.assess(incident, data)
        data["notice_required"] = bool(data["readable"] and data["people"]["readable_patients"]
                                       and assessed.level in HIGH_LEVELS)
        with transaction.atomic():
            AffectedPerson.objects.filter(incident=incident).delete()
            rows = [AffectedPerson(incident=incident, clinic_id=incident.clinic_id, subject_ref=p.subject_ref,
                                   kind=p.kind, patient_id=p.patient_id, categories=p.categories, records=p.records,
                                   readable=p.readable) for p in found.persons]
            AffectedPerson.objects.bulk_create(rows, batch_size=1000)
            incident.scope, incident.severity = data, assessed.as_dict()
            incident.save(update_fields=["scope", "severity"])
            record(Action.READ, object_type="breach-incident", object_id=incident.public_id,
                   reason=f"scope ({data['method']}): {data['people']['patients']} patients, "
                          f"readable: {data['readable']}, severity {assessed.level}")
    return incident


def record_report(incident: Incident, *, reported_at, delay_reason: str = "", user=None) -> Incident:
    """The art. 33 notification was made to the authority at `reported_at`; past 72 hours it needs the reason."""
    _check(user, incident)
    if reported_at is None or reported_at < incident.detected_at:
        raise ValidationError({"reported_at": _("The report cannot precede the time of awareness.")})
    clock = deadlines.Clock(incident.detected_at, incident.detected_at + deadlines.REPORT_WITHIN, reported_at,
                            reported_at)
    delay_reason = (delay_reason or "").strip() or (incident.delay_reason or "")
    if clock.overdue and not delay_reason:
        raise ValidationError({"delay_reason": _(
            "The report is made more than 72 hours after awareness: art. 33(1) GDPR requires the reasons "
            "for the delay.")})
    with clinic_context(incident.clinic_id), acting_as(_actor(user)), transaction.atomic():
        incident.reported_at, incident.delay_reason = reported_at, delay_reason
        incident.save(update_fields=["reported_at", "delay_reason"])
        record(Action.UPDATE, object_type="breach-incident", object_id=incident.public_id,
               reason="reported to the supervisory authority" + (" late" if clock.overdue else ""))
    return incident


def record_controller_notified(incident: Incident, *, at, user=None) -> Incident:
    _check(user, incident)
    with clinic_context(incident.clinic_id), acting_as(_actor(user)), transaction.atomic():
        incident.controller_notified_at = at
        incident.save(update_fields=["controller_notified_at"])
        record(Action.UPDATE, object_type="breach-incident", object_id=incident.public_id,
               reason="processor notified the controller (art. 33(2))")
    return incident


def set_measures(incident: Incident, *, measures_taken: str, user=None) -> Incident:
    _check(user, incident)
    with clinic_context(incident.clinic_id), acting_as(_actor(user)), transaction.atomic():
        incident.measures_taken = (measures_taken or "").strip()
        incident.save(update_fields=["measures_taken"])
        record(Action.UPDATE, object_type="breach-incident", object_id=incident.public_id, reason="measures")
    return incident


# --------------------------------------------------------------------------- notices


@dataclass
class Prepared:
    sms: int = 0
    email: int = 0
    no_contact: int = 0  # reach them otherwise (art. 34(3)(c): a public communication)


def prepare_notices(incident: Incident, *, force: bool = False, user=None, chunk: int = 1000) -> Prepared:
    """One Notice per readable patient and usable channel; run again, it adds only what is missing."""
    _check(user, incident)
    if not incident.scope:
        raise ValidationError(_("Work out the scope of the incident first."))
    if not incident.scope.get("notice_required") and not force:
        raise ValidationError(_("The scope requires no notice to patients (art. 34(3)(a) or a risk that is not "
                                "high); notify them anyway only on purpose (--force)."))
    result = Prepared()
    with clinic_context(incident.clinic_id), acting_as(_actor(user)):
        refs = list(AffectedPerson.objects.filter(incident=incident, kind=AffectedPerson.Kind.PATIENT, readable=True)
                    .order_by("pk").values_list("subject_ref", flat=True))
        for start in range(0, len(refs), chunk):
            part = refs[start:start + chunk]
            keystore.load_subject_keys(incident.clinic_id, part)
            rows, found = [], 0
            for patient in Patient.objects.filter(subject_ref__in=part).only("subject_ref", "personal"):
                found += 1
                channels = _channels(patient)
                if not channels:
                    result.no_contact += 1
                for channel in channels:
                    rows.append(Notice(incident=incident, clinic_id=incident.clinic_id,
                                       subject_ref=patient.subject_ref, channel=channel))
                    setattr(result, channel, getattr(result, channel) + 1)
            result.no_contact += len(part) - found  # no longer in the registry
            keystore.forget_subject_keys(incident.clinic_id, part)
            with transaction.atomic():
                Notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        with transaction.atomic():
            record(Action.CREATE, object_type="breach-notices", object_id=incident.public_id,
                   reason=f"prepared: {result.sms} SMS, {result.email} e-mail, {result.no_contact} without contact")
    return result


def _channels(patient) -> list[str]:
    channels = []
    phone = patient.phone if isinstance(patient.phone, str) else ""
    email = patient.email if isinstance(patient.email, str) else ""
    if phone:
        try:
            to_msisdn(phone)
            channels.append(Notice.Channel.SMS)
        except ValidationError:
            pass
    if email:
        try:
            validate_email(email)
            channels.append(Notice.Channel.EMAIL)
        except ValidationError:
            pass
    return channels


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    recovered_sent: int = 0   # claims of a dead sender that had gone out
    requeued: int = 0         # claims of a dead sender that had not
    in_doubt: int = 0


def progress_counts(incident: Incident) -> dict:
    with clinic_context(incident.clinic_id):
        counts = dict(Notice.objects.filter(incident=incident).values_list("status").annotate(n=Count("pk")))
    counts = {status: counts.get(status, 0) for status in Notice.Status.values}
    counts["total"] = sum(counts.values())
    return counts


def send_notices(incident: Incident, *, batch_size: int = 200, progress=None, resend_in_doubt: bool = False,
                 user=None) -> SendReport:
    """Send every pending notice of `incident`, in batches; `progress(counts)` after each batch.

    Resumable: run it again after an interruption and it sends exactly what was not sent."""
    _check(user, incident)
    report = SendReport()
    clinic = Clinic.objects.get(pk=incident.clinic_id)
    with clinic_context(clinic), acting_as(_actor(user)):
        run = _start_run(incident)
        try:
            _recover(incident, report)
            with transaction.atomic():
                retry = Q(status=Notice.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
                if resend_in_doubt:
                    retry |= Q(status=Notice.Status.IN_DOUBT)
                Notice.objects.filter(retry, incident=incident).update(status=Notice.Status.PENDING)
            texts = {"sms": notices.sms_text(clinic.name, incident.contact_point, incident.reference),
                     "subject": notices.email_subject(clinic.name)}
            while batch := _claim(incident, run, batch_size):
                _send_batch(incident, clinic, batch, texts, report)
                NoticeRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
                if progress:
                    progress(progress_counts(incident))
        finally:
            NoticeRun.objects.filter(pk=run.pk).update(ended_at=timezone.now())
        with transaction.atomic():
            record(Action.EXPORT, object_type="breach-notices", object_id=incident.public_id,
                   reason=f"sent {report.sent}, failed {report.failed}, in doubt {report.in_doubt}")
    return report


def _start_run(incident) -> NoticeRun:
    with transaction.atomic():
        return NoticeRun.objects.create(incident=incident, clinic_id=incident.clinic_id, host=socket.gethostname(),
                                        pid=os.getpid(), heartbeat_at=timezone.now())


def _claim(incident, run, size) -> list[Notice]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(Notice.objects.select_for_update(skip_locked=True)
                   .filter(incident=incident, status=Notice.Status.PENDING).order_by("pk")
                   .values_list("pk", flat=True)[:size])
        if not ids:
            return []
        Notice.objects.filter(pk__in=ids, status=Notice.Status.PENDING).update(
            status=Notice.Status.SENDING, run=run, claimed_at=now, attempts=F("attempts") + 1)
    return list(Notice.objects.filter(pk__in=ids, run=run, status=Notice.Status.SENDING).order_by("pk"))


def _send_batch(incident, clinic, batch: list[Notice], texts: dict, report: SendReport):
    refs = [n.subject_ref for n in batch]
    keystore.load_subject_keys(incident.clinic_id, refs)
    patients = {p.subject_ref: p for p in Patient.objects.filter(subject_ref__in=refs)}
    outcomes: dict[int, tuple] = {}  # notice pk -> (message or None, error)
    sms = [n for n in batch if n.channel == Notice.Channel.SMS and n.subject_ref in patients]
    results = send_sms_many(clinic, PURPOSE, [
        (n.subject_ref, patients[n.subject_ref].phone, texts["sms"], f"breach-notice:{n.pk}") for n in sms])
    for notice, result in zip(sms, results, strict=True):
        outcomes[notice.pk] = ((None, "; ".join(result.messages)) if isinstance(result, ValidationError)
                               else (result, result.error))
    emails = [n for n in batch if n.channel == Notice.Channel.EMAIL and n.subject_ref in patients]
    if emails:
        categories = dict(AffectedPerson.objects.filter(incident=incident, subject_ref__in=refs)
                          .values_list("subject_ref", "categories"))
        for notice in emails:
            body = notices.email_text(incident, clinic.name, categories.get(notice.subject_ref, []))
            try:
                message = send_email(clinic, notice.subject_ref, PURPOSE, patients[notice.subject_ref].email, body,
                                     subject=texts["subject"], reference=f"breach-notice:{notice.pk}")
                outcomes[notice.pk] = (message, message.error)
            except ValidationError as exc:
                outcomes[notice.pk] = (None, "; ".join(exc.messages))
    now = timezone.now()
    sent, failed = [], []
    for notice in batch:
        message, error = outcomes.get(notice.pk, (None, "the patient is no longer in the registry"))
        if message is not None and message.status == OutboundMessage.Status.SENT:
            sent.append(notice.pk)
        else:
            failed.append((notice.pk, (error or "not sent")[:300]))
    report.sent += len(sent)
    report.failed += len(failed)
    with transaction.atomic():
        # Only rows this run still holds: a row another sender reconciled meanwhile is left as it is.
        mine = Notice.objects.filter(status=Notice.Status.SENDING, run_id=batch[0].run_id)
        mine.filter(pk__in=sent).update(status=Notice.Status.SENT, sent_at=now, error="")
        for pk, error in failed:
            mine.filter(pk=pk).update(status=Notice.Status.FAILED, error=error)
    keystore.forget_subject_keys(incident.clinic_id, refs)


def _dead_runs(incident) -> list[int]:
    now = timezone.now()
    host = socket.gethostname()
    dead = []
    for run in NoticeRun.objects.filter(incident=incident):
        if run.ended_at is not None:
            dead.append(run.pk)
        elif run.host == host:
            if not _alive(run.pid):  # here the process itself can be asked: a slow sender is not a dead one
                dead.append(run.pk)
        elif run.heartbeat_at < now - LEASE:
            dead.append(run.pk)
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover(incident, report: SendReport):
    """Settle the claims of senders that are gone: sent, to be sent again, or in doubt."""
    dead = _dead_runs(incident)
    orphans = list(Notice.objects.filter(Q(run__in=dead) | Q(run__isnull=True), incident=incident,
                                         status=Notice.Status.SENDING))
    if not orphans:
        return
    outcomes: dict[str, list[OutboundMessage]] = {}
    references = [f"breach-notice:{n.pk}" for n in orphans]
    for start in range(0, len(references), 500):
        for message in OutboundMessage.objects.filter(reference__in=references[start:start + 500]).only(
                "reference", "status", "sent_at", "public_id", "channel"):
            outcomes.setdefault(message.reference, []).append(message)
    gateway_log = None
    for notice in orphans:
        messages = outcomes.get(f"breach-notice:{notice.pk}", [])
        sent = next((m for m in messages if m.status == OutboundMessage.Status.SENT), None)
        queued = any(m.status == OutboundMessage.Status.QUEUED for m in messages)
        changes = {}
        if sent is not None:
            changes = {"status": Notice.Status.SENT, "sent_at": sent.sent_at}
            report.recovered_sent += 1
        elif queued:
            if gateway_log is None:
                gateway_log = _gateway_log()
            accepted = _accepted_by_gateway(incident, notice, gateway_log)
            if accepted is True:
                changes = {"status": Notice.Status.SENT, "sent_at": timezone.now(), "error": ""}
                report.recovered_sent += 1
            elif accepted is False:
                changes = {"status": Notice.Status.PENDING}
                report.requeued += 1
            else:
                changes = {"status": Notice.Status.IN_DOUBT,
                           "error": "the sender stopped inside the gateway call: check the gateway's delivery report"}
                report.in_doubt += 1
        else:
            changes = {"status": Notice.Status.PENDING}
            report.requeued += 1
        with transaction.atomic():
            Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING, run_id=notice.run_id).update(**changes)


def _gateway_log():
    """What the SMS gateway says it accepted, where it keeps such a record: (number, text) pairs or None."""
    gateway = sms_gateway()
    if isinstance(gateway, FileSmsGateway):
        return {(line.get("to"), line.get("text")) for line in read_outbox(gateway.path)}
    return None


def _accepted_by_gateway(incident, notice, gateway_log) -> bool | None:
    if notice.channel != Notice.Channel.SMS or gateway_log is None:
        return None
    keystore.load_subject_keys(incident.clinic_id, [notice.subject_ref])
    patient = Patient.objects.filter(subject_ref=notice.subject_ref).first()
    if patient is None or not isinstance(patient.phone, str):
        return None
    clinic = Clinic.objects.get(pk=incident.clinic_id)
    return (to_msisdn(patient.phone), notices.sms_text(clinic.name, incident.contact_point,
                                                                 incident.reference)) in gateway_log
