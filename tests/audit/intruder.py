"""What an intruder with write access to the clinic database alone can do to a chain.

Every change here is raw SQL on the clinic database: the keystore and the witness file are
never touched (tests assert that with `outside_the_clinic_database`).
"""
import os

from django.db import connection

from klinika.audit import chain as chainlib
from klinika.audit import witness
from klinika.audit.models import AuditEvent
from klinika.crypto.models import AuditChainStart, AuditWitness, DataKey
from klinika.tenancy.context import cross_clinic

# How the intruder relinks: plain SHA-256 as version 1 links, plain SHA-256 under the keyed
# version number, or HMAC under a key of their own.
RELINKS = ["sha256", "sha256-claiming-keyed", "own-hmac-key"]


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def events(chain) -> list[AuditEvent]:
    with cross_clinic("tests: the intruder reads the chain"):
        return list(AuditEvent.objects.filter(chain=chain).order_by("seq"))


def seq_of(chain, object_id) -> int:
    return next(e.seq for e in events(chain) if e.object_id == str(object_id))


def relink(chain, from_seq, how):
    """Recompute every link from `from_seq` on, and the head, as the intruder can."""
    mac = chainlib.keyer(os.urandom(32))
    prev = chainlib.GENESIS
    for event in events(chain):
        if event.seq >= from_seq:
            event.prev_hash = prev
            if how == "own-hmac-key":
                version, event.hash = chainlib.KEYED, chainlib.keyed_link(mac, prev, event)
            else:
                version = chainlib.UNKEYED if how == "sha256" else chainlib.KEYED
                event.hash = chainlib.link(prev, event)
            sql("UPDATE audit_auditevent SET prev_hash = %s, hash = %s, link_version = %s WHERE id = %s",
                [event.prev_hash, event.hash, version, event.pk])
        prev = event.hash
    sql("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = %s", [prev, chain])


def cut_tail(chain, from_seq):
    """Delete events from `from_seq` on and reset the head to the event before."""
    kept = [e for e in events(chain) if e.seq < from_seq][-1]
    sql("DELETE FROM audit_auditevent WHERE chain = %s AND seq >= %s", [chain, from_seq])
    sql("UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s, last_checkpoint_seq = 0 WHERE chain = %s",
        [kept.seq, kept.hash, chain])


def delete_checkpoints(chain):
    return sql("DELETE FROM audit_auditcheckpoint WHERE chain = %s", [chain])


def outside_the_clinic_database(chain):
    """Everything the intruder cannot write: compare before and after the attack."""
    return (
        list(AuditWitness.objects.using("keystore").filter(chain=chain).values_list("seq", "head_hash", "signature")),
        list(AuditChainStart.objects.using("keystore").filter(chain=chain).values_list("keyed_from", "head_hash")),
        list(DataKey.objects.using("keystore").order_by("key_id").values_list("key_id", "state")),
        witness.path().read_bytes() if witness.path().exists() else b"",
    )
