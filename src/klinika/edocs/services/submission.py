"""Submitting signed documents to the national platform, with retries and backoff.

One attempt = claim (a transaction: the unit's rows are locked, the attempt counted and the
next attempt pushed a lease ahead, so a second worker finds nothing due) → the platform call
(outside any transaction: a network call must not hold database locks) → the answer applied
(a second transaction). An outage leaves the document signed, with the reason, the attempt
count and the time of the next attempt; a rejection leaves it rejected with the platform's
reason. A document whose worker died mid-call is due again when the lease runs out, and the
platform answers a repeated submission of the same document with the same ids.

Attempts are queued as tasks (tasks.py); `retry_due()` (the `klinika edocs retry` command, or
the periodic task) picks up whatever is due, so nothing signed is left behind even when a
queued task was lost.
"""
import datetime
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from klinika.audit.context import Actor, acting_as, current_actor
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.edocs import gateway, statuses
from klinika.edocs.models import DocKind, DocStatus, Prescription, Referral, SickLeave
from klinika.edocs.services import MODELS, OBJECT_TYPE, PACKAGE_TYPE, event

GATEWAY_ACTOR = Actor(None, "system:edocs-gateway")
LEASE = datetime.timedelta(minutes=5)
FIRST_RETRY = datetime.timedelta(minutes=1)
LONGEST_WAIT = datetime.timedelta(hours=1)
MAX_AUTOMATIC_ATTEMPTS = 12


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


@dataclass
class Outcome:
    outcome: str  # submitted | rejected | unavailable | not-due
    attempt: int = 0
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def enqueue(clinic_id, kind, unit_id, run_after=None):
    """Queue an attempt. A backend that cannot defer runs it at once when no time is given, and leaves
    a deferred one to `retry_due()`."""
    from klinika.edocs.tasks import submit_unit

    task = submit_unit
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return None
        task = task.using(run_after=run_after)
    return task.enqueue(str(clinic_id), str(DocKind(kind)), int(unit_id))


def _documents(kind, unit_id, *, lock):
    model = MODELS[kind]
    qs = model.objects.select_related("patient", "practitioner__staff")
    if lock:
        qs = qs.select_for_update(of=("self",)) if transaction.get_connection().features.has_select_for_update_of \
            else qs.select_for_update()
    if kind == DocKind.PRESCRIPTION:
        return list(qs.filter(package_id=unit_id).order_by("pk"))
    return list(qs.filter(pk=unit_id))


def attempt(kind, unit_id, now=None) -> Outcome:
    """One submission attempt of a unit (a prescription package, a referral, a sick leave) that is due."""
    kind = DocKind(kind)
    now = now or timezone.now()
    # The platform's answers are the gateway's doing, even when the attempt runs inside a doctor's request.
    actor = Actor(GATEWAY_ACTOR.user_id, GATEWAY_ACTOR.role, current_actor().request_id)
    platform = gateway.platform()
    with acting_as(actor):
        with transaction.atomic():
            documents = [d for d in _documents(kind, unit_id, lock=True)
                         if d.status == DocStatus.SIGNED and d.next_attempt_at is not None and d.next_attempt_at <= now]
            if not documents:
                return Outcome("not-due")
            number = max(d.submit_attempts for d in documents) + 1
            for document in documents:
                document.submit_attempts, document.next_attempt_at = number, now + LEASE
                document.save(update_fields=["submit_attempts", "next_attempt_at"])
                event(kind, document, DocStatus.SIGNED, DocStatus.SIGNED,
                      f"attempt {number}: sending to {platform.name}")
            submission = build_submission(kind, documents)
        try:
            result = platform.submit(submission)
        except gateway.GatewayUnavailable as exc:
            return _unavailable(kind, documents, number, now, str(exc))
        return _answered(kind, documents, number, result, now)


def _unavailable(kind, documents, number, now, why) -> Outcome:
    give_up = number >= MAX_AUTOMATIC_ATTEMPTS
    next_at = None if give_up else now + backoff(number)
    reason = (f"platform unavailable at attempt {number}: {why}"[:200]
              + (" - automatic retries stopped; send it again by hand" if give_up else ""))
    with transaction.atomic():
        for document in _documents(kind, _unit(kind, documents[0]), lock=True):
            if document.status != DocStatus.SIGNED or document.pk not in {d.pk for d in documents}:
                continue
            document.last_error, document.next_attempt_at = reason[:300], next_at
            document.save(update_fields=["last_error", "next_attempt_at"])
            then = (f"next attempt at {timezone.localtime(next_at):%Y-%m-%d %H:%M}" if next_at
                    else "no more automatic attempts")
            detail = f"attempt {number}: {platform_label(kind)} unavailable, not sent; {then}"
            event(kind, document, DocStatus.SIGNED, DocStatus.SIGNED, detail)
        _audit(kind, documents[0], f"submission attempt {number}: {platform_label(kind)} unavailable, not sent",
               "failure")
    if next_at is not None:
        enqueue(documents[0].clinic_id, kind, _unit(kind, documents[0]), run_after=next_at)
    return Outcome("unavailable", number, why)


def _answered(kind, documents, number, result, now) -> Outcome:
    from klinika.edocs import notices

    accepted_ids = dict(zip([d.pk for d in documents], result.platform_ids, strict=False)) if result.accepted else {}
    submitted = []
    with transaction.atomic():
        for document in _documents(kind, _unit(kind, documents[0]), lock=True):
            if document.pk not in {d.pk for d in documents}:
                continue
            before = document.status
            if result.accepted:
                document.platform_id = accepted_ids.get(document.pk, "")
                document.submitted_at, document.last_error, document.next_attempt_at = now, "", None
                fields = ["platform_id", "submitted_at", "last_error", "next_attempt_at"]
                if before == DocStatus.SIGNED:
                    document.status = DocStatus.SUBMITTED
                    fields.append("status")
                    submitted.append(document)
                document.save(update_fields=fields)
                event(kind, document, before, document.status,
                      f"attempt {number}: {platform_label(kind)} confirmed, registered as {document.platform_id}")
                if before == DocStatus.CANCELLED:
                    _cancel_late(kind, document)
            elif before == DocStatus.SIGNED:
                document.status, document.last_error = DocStatus.REJECTED, result.reason[:300]
                document.next_attempt_at = None
                document.save(update_fields=["status", "last_error", "next_attempt_at"])
                event(kind, document, before, DocStatus.REJECTED,
                      f"attempt {number}: rejected by {platform_label(kind)}: {result.reason}")
        _audit(kind, documents[0], f"submission attempt {number}: " + (
            f"{platform_label(kind)} confirmed, registered" if result.accepted
            else f"rejected by {platform_label(kind)}: {result.reason}"), "success" if result.accepted else "failure")
    if submitted and kind in (DocKind.PRESCRIPTION, DocKind.REFERRAL):
        notices.send_access_code(kind, submitted)
    if result.accepted:
        return Outcome("submitted", number)
    return Outcome("rejected", number, result.reason)


def platform_label(kind) -> str:
    return statuses.platform_name(kind)


def _cancel_late(kind, document):
    """Cancelled by the doctor while its submission was in flight: cancel it on the platform too."""
    try:
        answer = gateway.platform().cancel(kind, str(document.clinic_id), document.platform_id, "error")
        detail = ("cancelled on the platform too" if answer.accepted
                  else f"platform cancellation refused: {answer.reason}")
    except gateway.GatewayUnavailable:
        detail = "platform cancellation failed (unavailable): cancel it on the platform by hand"
        document.last_error = detail
        document.save(update_fields=["last_error"])
    event(kind, document, DocStatus.CANCELLED, DocStatus.CANCELLED, detail)


def _unit(kind, document) -> int:
    return document.package_id if kind == DocKind.PRESCRIPTION else document.pk


def _audit(kind, document, reason, outcome):
    object_type = PACKAGE_TYPE if kind == DocKind.PRESCRIPTION else OBJECT_TYPE[kind]
    record(Action.EXPORT, object_type=object_type, object_id=_unit(kind, document),
           subject_ref=document.patient.subject_ref, reason=reason, outcome=outcome)


def build_submission(kind, documents) -> gateway.Submission:
    """What the platform receives: plain data, decrypted here (inside the clinic's context)."""
    first = documents[0]
    patient, practitioner = first.patient, first.practitioner
    if patient.pesel and not patient.pesel_is_mothers:
        identity = {"pesel": str(patient.pesel)}
    elif patient.pesel:
        identity = {"pesel": str(patient.pesel), "newborn_of_mother": True}
    else:
        identity = {"document_type": patient.document_type, "document_number": str(patient.document_number or "")}
    identity |= {"sex": str(patient.sex or ""), "birth_date": str(getattr(patient.birth_date, "isoformat",
                                                                            lambda: "")())}
    code = first.package.access_code if kind == DocKind.PRESCRIPTION else first.access_code
    return gateway.Submission(
        kind=str(kind), clinic_id=str(first.clinic_id), issued_at=first.signed_at,
        issuer={"licence": str(practitioner.licence_number), "name": str(practitioner)},
        patient=identity, documents=[{"number": d.number, "content": d.content} for d in documents],
        access_code=str(code or ""))


def due_units(now=None) -> list[tuple[str, int]]:
    """(kind, unit id) of every signed unit whose next attempt is due, in the clinic in context."""
    now = now or timezone.now()
    due = []
    for kind, model in ((DocKind.PRESCRIPTION, Prescription), (DocKind.REFERRAL, Referral),
                        (DocKind.SICK_LEAVE, SickLeave)):
        rows = model.objects.filter(status=DocStatus.SIGNED, next_attempt_at__lte=now).order_by("next_attempt_at")
        field = "package_id" if kind == DocKind.PRESCRIPTION else "pk"
        for unit in rows.values_list(field, flat=True):
            if (str(kind), unit) not in due:
                due.append((str(kind), unit))
    return due


def retry_due(now=None) -> dict:
    """Attempt every due unit of the clinic in context; counts of outcomes."""
    counts = {"submitted": 0, "rejected": 0, "unavailable": 0, "not-due": 0}
    for kind, unit in due_units(now):
        counts[attempt(kind, unit, now=now).outcome] += 1
    return counts
