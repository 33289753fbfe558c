"""Writing the audit trail: record(), flush(), checkpoint().

Links are HMAC-SHA256 under the chain's audit key (keystore). Checkpoints are signed every
KLINIKA_AUDIT_CHECKPOINT_EVERY events, each round of the worker and on demand, and every
signed checkpoint is witnessed outside the clinic database: a row in the keystore and a line
in KLINIKA_AUDIT_WITNESS.

record() joins the request's batch when there is one (the batch is flushed inside the
request's transaction by AuditBatchMiddleware) and otherwise writes at once, inside the
caller's transaction. Either way an event commits or rolls back with its operation.
"""
import logging
from dataclasses import dataclass
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import timezone

from klinika.audit import chain as chainlib
from klinika.audit import witness
from klinika.audit.context import current_actor, current_batch
from klinika.audit.models import VENDOR_CHAIN, AuditChainHead, AuditCheckpoint, AuditEvent
from klinika.crypto import keystore
from klinika.crypto.errors import KeyDestroyed, KeyNotFound
from klinika.crypto.models import KeyEncryptionKey
from klinika.tenancy.context import clinic_context, cross_clinic, current_clinic_id, outside_any_clinic

logger = logging.getLogger("klinika.audit")


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


def record_many(action, objects, *, reason="", outcome="success", clinic_id=None, actor=None):
    """One event per (object_type, object_id, subject_ref) in `objects`, appended to the chain in one
    write (a bulk import: one head lock and one insert instead of one per record)."""
    actor = actor or current_actor()
    if clinic_id is None:
        clinic_id = current_clinic_id()
    events = [PendingEvent(
        clinic_id=clinic_id, action=str(action), object_type=object_type, object_id=str(object_id or ""),
        subject_ref=subject_ref, reason=reason[:200], outcome=outcome, actor_id=actor.user_id,
        actor_role=actor.role, request_id=actor.request_id,
    ) for object_type, object_id, subject_ref in objects]
    if events:
        write(events)


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
    # No savepoint of its own: the events and the caller's writes are one unit (a failed append
    # fails the whole operation), and a savepoint would cost two more round trips, one of them
    # (its RELEASE) while the chain head is locked.
    with transaction.atomic(savepoint=False):
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
    head = _locked_head_row(name, clinic_id)
    if head is None:
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(chain=name, clinic_id=clinic_id)
        except IntegrityError:
            pass  # made by a parallel writer
        head = AuditChainHead.objects.select_for_update().get(chain=name)
    return head


HEAD_COLUMNS = [f.attname for f in AuditChainHead._meta.concrete_fields]


def _locked_head_row(name: str, clinic_id) -> AuditChainHead | None:
    """The head, locked. On PostgreSQL a statement written once: every write of the clinic runs
    this, and building the ORM's query cost more CPU than the database spent answering it."""
    connection = connections[router.db_for_write(AuditChainHead)]
    if connection.vendor != "postgresql":
        return AuditChainHead.objects.select_for_update().filter(chain=name).first()
    quote = connection.ops.quote_name
    sql = (f"SELECT {', '.join(quote(c) for c in HEAD_COLUMNS)} FROM {quote(AuditChainHead._meta.db_table)} "
           f"WHERE {quote('chain')} = %s AND {quote('clinic_id')} "
           f"{'= %s' if clinic_id else 'IS NULL'} FOR UPDATE")
    with connection.cursor() as cursor:
        cursor.execute(sql, [name, clinic_id] if clinic_id else [name])
        row = cursor.fetchone()
    return None if row is None else AuditChainHead.from_db(connection.alias, HEAD_COLUMNS, row)


def _append(name: str, clinic_id, events: list[PendingEvent]):
    # The head stays locked until the caller's COMMIT, and every writer of the clinic queues for it:
    # what needs no head (the key, the rows) is made before it is locked, and what needs it is sent
    # in one statement (bench/RESULTS.md, issue 11: 16 registrars spent most of a booking waiting here).
    key = audit_key(clinic_id)
    rows = [AuditEvent(
        clinic_id=clinic_id, chain=name, actor_id=pending.actor_id, actor_role=pending.actor_role,
        action=pending.action, object_type=pending.object_type, object_id=pending.object_id,
        subject_ref=pending.subject_ref, reason=pending.reason, outcome=pending.outcome,
        request_id=pending.request_id, link_version=chainlib.KEYED,
    ) for pending in events]
    head = _lock_head(name, clinic_id)
    mac = chainlib.keyer(key.material)
    if head.keyed_from is None:
        # The keystore, not this row, is what verify trusts; the first record there wins.
        head.keyed_from = keystore.keyed_links_start(name, head.last_seq + 1, head.last_hash).keyed_from
    now = timezone.now()
    prev = head.last_hash
    for offset, row in enumerate(rows, start=1):
        row.seq, row.at, row.prev_hash = head.last_seq + offset, now, prev
        row.hash = prev = chainlib.keyed_link(mac, prev, row)
    head.last_seq, head.last_hash = rows[-1].seq, rows[-1].hash
    _write_linked(rows, head)
    every = settings.KLINIKA_AUDIT_CHECKPOINT_EVERY
    if head.last_seq - head.last_checkpoint_seq >= every:
        # Signed after the operation commits, in a transaction of its own: a witness (outside this
        # database) must never name a head that a rollback then takes back.
        transaction.on_commit(partial(checkpoint, clinic_id, if_pending=every), robust=True)


HEAD_FIELDS = ("last_seq", "last_hash", "keyed_from")
ONE_STATEMENT_MAX = 200


def _write_linked(rows: list[AuditEvent], head: AuditChainHead):
    """The linked events and the new head: on PostgreSQL one statement (one round trip while the head
    is locked instead of two), elsewhere and for a bulk import's thousands (bulk_create batches them
    under PostgreSQL's parameter limit) through the ORM."""
    connection = connections[router.db_for_write(AuditEvent)]
    if connection.vendor != "postgresql" or len(rows) > ONE_STATEMENT_MAX:
        AuditEvent.objects.bulk_create(rows)
        head.save(update_fields=list(HEAD_FIELDS))
        return
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"WITH appended AS (INSERT INTO {quote(AuditEvent._meta.db_table)} "
           f"({', '.join(quote(f.column) for f in fields)}) VALUES {', '.join([one_row] * len(rows))}) "
           f"UPDATE {quote(AuditChainHead._meta.db_table)} SET "
           f"{', '.join(f'{quote(name)} = %s' for name in HEAD_FIELDS)} WHERE {quote('id')} = %s")
    params = [f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows for f in fields]
    params += [getattr(head, name) for name in HEAD_FIELDS] + [head.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def checkpoint(clinic_id: UUID | None, *, if_pending: int = 0) -> AuditCheckpoint | None:
    """Sign the chain head now, and witness it once committed. None if the chain has no events
    yet, or fewer than `if_pending` since its last checkpoint."""
    name = chain_name(clinic_id)
    with _chain_scope(clinic_id), transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(chain=name).first()
        if head is None or head.last_seq == 0 or head.last_seq - head.last_checkpoint_seq < if_pending:
            return None
        return _sign(head)


def checkpoint_pending() -> list[AuditCheckpoint]:
    """Sign every chain with events after its last checkpoint (the worker does this each round)."""
    with cross_clinic("audit: find the chains with events after their last checkpoint"):
        owners = list(AuditChainHead.objects.filter(last_seq__gt=F("last_checkpoint_seq"))
                      .order_by("chain").values_list("clinic_id", flat=True))
    signed = []
    for clinic_id in owners:
        try:
            row = checkpoint(clinic_id, if_pending=1)
        except KeyDestroyed:
            continue  # a shredded clinic: its last checkpoint was signed before the shred
        except Exception:  # e.g. an unwritable witness sink: the other chains still get theirs
            logger.exception("audit chain %s: the checkpoint could not be signed or witnessed",
                             chain_name(clinic_id))
            continue
        if row is not None:
            signed.append(row)
    return signed


def _sign(head: AuditChainHead) -> AuditCheckpoint:
    key_id, private = keystore.signing_private_key(_key_owner(head.clinic_id))
    at = timezone.now()
    message = chainlib.checkpoint_message(head.chain, head.last_seq, head.last_hash, at)
    row = AuditCheckpoint.objects.create(
        clinic_id=head.clinic_id, chain=head.chain, seq=head.last_seq, head_hash=head.last_hash, at=at,
        key_id=key_id, signature=private.sign(message),
    )
    head.last_checkpoint_seq = head.last_seq
    head.save(update_fields=["last_checkpoint_seq"])
    transaction.on_commit(partial(_witness, row))
    return row


def _witness(row: AuditCheckpoint):
    """Copy a committed checkpoint to the keystore and to the witness file (or the operator's sink)."""
    fields = {"chain": row.chain, "seq": row.seq, "head_hash": row.head_hash, "at": row.at,
              "key_id": row.key_id, "signature": bytes(row.signature)}
    keystore.witness_checkpoint(**fields)
    witness.append(fields)


VENDOR_KEY_OWNER = UUID(int=0)


def _key_owner(clinic_id):
    """Clinic chains are keyed and signed with the clinic's keys; the vendor chain with the vendor's."""
    if clinic_id:
        return clinic_id
    if not KeyEncryptionKey.objects.using("keystore").filter(clinic_id=VENDOR_KEY_OWNER).exists():
        try:
            keystore.create_clinic_keys(VENDOR_KEY_OWNER)
        except IntegrityError:
            pass  # made by a parallel process a moment ago
    return VENDOR_KEY_OWNER


def audit_key(clinic_id: UUID | None):
    """The chain's HMAC key, cached like every key; made now for a clinic older than keyed links.

    A shredded clinic has none any more (KeyDestroyed): its chain takes no new events."""
    owner = clinic_id or VENDOR_KEY_OWNER
    try:
        return keystore.ensure_clinic_key(owner, keystore.Purpose.AUDIT)
    except KeyNotFound:
        if clinic_id:
            raise
        return keystore.ensure_clinic_key(_key_owner(None), keystore.Purpose.AUDIT)
