"""Writing the audit trail: record(), flush(), checkpoint().

record() joins the request's batch when there is one (the batch is flushed inside the
request's transaction by AuditBatchMiddleware) and otherwise writes at once, inside the
caller's transaction. Either way an event commits or rolls back with its operation.
"""
from dataclasses import dataclass
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from klinika.audit import chain as chainlib
from klinika.audit.context import current_actor, current_batch
from klinika.audit.models import VENDOR_CHAIN, AuditChainHead, AuditCheckpoint, AuditEvent
from klinika.tenancy.context import clinic_context, current_clinic_id, outside_any_clinic

# A signed checkpoint is written automatically every this many events per chain.
CHECKPOINT_EVERY = 500


def chain_name(clinic_id: UUID | None) -> str:
    return str(clinic_id) if clinic_id else VENDOR_CHAIN


@dataclass
class PendingEvent:
    clinic_id: UUID | None
    action: str
    object_type: str
    object_id: str
    subject_ref: UUID | None
    reason: str
    outcome: str
    actor_id: int | None
    actor_role: str
    request_id: str


def record(action, *, object_type="", object_id="", subject_ref=None, reason="", outcome="success",
           clinic_id=None, actor=None):
    """Record one access. Never pass personal data: ids and codes only."""
    actor = actor or current_actor()
    if clinic_id is None:
        clinic_id = current_clinic_id()
    event = PendingEvent(
        clinic_id=clinic_id, action=str(action), object_type=object_type, object_id=str(object_id or ""),
        subject_ref=subject_ref, reason=reason[:200], outcome=outcome, actor_id=actor.user_id,
        actor_role=actor.role, request_id=actor.request_id,
    )
    batch = current_batch()
    if batch is not None:
        batch.append(event)
    else:
        write([event])


def flush():
    batch = current_batch()
    if batch:
        pending = list(batch)
        batch.clear()
        write(pending)


def write(events: list[PendingEvent]):
    by_chain: dict[str, list[PendingEvent]] = {}
    for event in events:
        by_chain.setdefault(chain_name(event.clinic_id), []).append(event)
    with transaction.atomic():
        for name, chain_events in by_chain.items():
            clinic_id = chain_events[0].clinic_id
            with _chain_scope(clinic_id):
                _append(name, clinic_id, chain_events)


def _chain_scope(clinic_id):
    """A chain's rows are written in its own clinic's context (or in none, for the vendor chain),
    whatever clinic the caller works in."""
    if clinic_id:
        return clinic_context(clinic_id)
    return outside_any_clinic("audit: append to the vendor chain")


def _lock_head(name: str, clinic_id) -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(chain=name).first()
    if head is None:
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(chain=name, clinic_id=clinic_id)
        except IntegrityError:
            pass  # made by a parallel writer
        head = AuditChainHead.objects.select_for_update().get(chain=name)
    return head


def _append(name: str, clinic_id, events: list[PendingEvent]):
    head = _lock_head(name, clinic_id)
    now = timezone.now()
    rows, prev = [], head.last_hash
    for offset, pending in enumerate(events, start=1):
        row = AuditEvent(
            clinic_id=clinic_id, chain=name, seq=head.last_seq + offset, at=now, prev_hash=prev,
            actor_id=pending.actor_id, actor_role=pending.actor_role, action=pending.action,
            object_type=pending.object_type, object_id=pending.object_id, subject_ref=pending.subject_ref,
            reason=pending.reason, outcome=pending.outcome, request_id=pending.request_id,
        )
        row.hash = prev = chainlib.link(prev, row)
        rows.append(row)
    AuditEvent.objects.bulk_create(rows)
    head.last_seq, head.last_hash = rows[-1].seq, rows[-1].hash
    head.save(update_fields=["last_seq", "last_hash"])
    if head.last_seq - head.last_checkpoint_seq >= CHECKPOINT_EVERY:
        _sign(head)


def checkpoint(clinic_id: UUID | None) -> AuditCheckpoint | None:
    """Sign the chain head now. None if the chain has no events yet."""
    name = chain_name(clinic_id)
    with _chain_scope(clinic_id), transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(chain=name).first()
        if head is None or head.last_seq == 0:
            return None
        return _sign(head)


def _sign(head: AuditChainHead) -> AuditCheckpoint:
    from klinika.crypto import keystore

    key_id, private = keystore.signing_private_key(_signing_owner(head.clinic_id))
    at = timezone.now()
    message = chainlib.checkpoint_message(head.chain, head.last_seq, head.last_hash, at)
    row = AuditCheckpoint.objects.create(
        clinic_id=head.clinic_id, chain=head.chain, seq=head.last_seq, head_hash=head.last_hash, at=at,
        key_id=key_id, signature=private.sign(message),
    )
    head.last_checkpoint_seq = head.last_seq
    head.save(update_fields=["last_checkpoint_seq"])
    return row


VENDOR_KEY_OWNER = UUID(int=0)


def _signing_owner(clinic_id):
    """Clinic chains are signed with the clinic's key; the vendor chain with the vendor's."""
    if clinic_id:
        return clinic_id
    from klinika.crypto import keystore
    from klinika.crypto.models import KeyEncryptionKey

    if not KeyEncryptionKey.objects.using("keystore").filter(clinic_id=VENDOR_KEY_OWNER).exists():
        keystore.create_clinic_keys(VENDOR_KEY_OWNER)
    return VENDOR_KEY_OWNER
