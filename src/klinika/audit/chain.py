"""Hash chain arithmetic, shared by writing and verifying so the two never disagree.

Version 1 links (plain SHA-256) are what chains held before keyed links; anyone can
recompute them. Version 2 links are HMAC-SHA256 under the chain's audit key, which lives in
the keystore: the chain cannot be recomputed from the clinic database alone.
"""
import hashlib
import hmac
import json

GENESIS = "0" * 64


def canonical(event) -> bytes:
    fields = {
        "chain": event.chain,
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "clinic": str(event.clinic_id) if event.clinic_id else None,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "subject_ref": str(event.subject_ref) if event.subject_ref else None,
        "reason": event.reason,
        "outcome": event.outcome,
        "request_id": event.request_id,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


UNKEYED, KEYED = 1, 2


def link(prev_hash: str, event) -> str:
    """A version 1 link: only ever verified, never written any more."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(event)).hexdigest()


def keyer(key_material: bytes):
    """The HMAC keyed once; keyed_link copies it per event (no key schedule per event)."""
    return hmac.new(key_material, digestmod=hashlib.sha256)


def keyed_link(mac, prev_hash: str, event) -> str:
    """A version 2 link: HMAC-SHA256(audit key, previous hash || canonical event)."""
    mac = mac.copy()
    mac.update(bytes.fromhex(prev_hash))
    mac.update(canonical(event))
    return mac.hexdigest()


def checkpoint_message(chain: str, seq: int, head_hash: str, at) -> bytes:
    return f"klinika-audit-checkpoint/v1|{chain}|{seq}|{head_hash}|{at.isoformat(timespec='microseconds')}".encode()
