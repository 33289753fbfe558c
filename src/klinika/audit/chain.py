"""Hash chain arithmetic, shared by writing and verifying so the two never disagree."""
import hashlib
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


def link(prev_hash: str, event) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(event)).hexdigest()


def checkpoint_message(chain: str, seq: int, head_hash: str, at) -> bytes:
    return f"klinika-audit-checkpoint/v1|{chain}|{seq}|{head_hash}|{at.isoformat(timespec='microseconds')}".encode()
