"""The witness file: every signed checkpoint, one JSON line each, outside the clinic database.

KLINIKA_AUDIT_WITNESS names it (default `<data dir>/audit-witness.jsonl`). Point it at storage
the clinic database's users cannot rewrite: another disk, a mount of a write-once store, a
named pipe read by a log shipper. Lines are only ever appended (O_APPEND) and flushed to disk
(fsync) before the checkpoint counts as witnessed.
"""
import json
import os
import stat
from base64 import b64decode, b64encode
from datetime import datetime
from pathlib import Path
from uuid import UUID

from django.conf import settings

FORMAT = "klinika-audit-witness/v1"


def path() -> Path:
    return Path(settings.KLINIKA_AUDIT_WITNESS)


def append(fields: dict) -> None:
    line = json.dumps({
        "format": FORMAT, "chain": fields["chain"], "seq": fields["seq"], "head_hash": fields["head_hash"],
        "at": fields["at"].isoformat(timespec="microseconds"), "key_id": str(fields["key_id"]),
        "signature": b64encode(fields["signature"]).decode(),
    }, sort_keys=True, separators=(",", ":")) + "\n"
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        if stat.S_ISREG(os.fstat(fd).st_mode):  # a pipe or socket cannot be fsynced
            os.fsync(fd)
    finally:
        os.close(fd)


def read(chain: str) -> tuple[list[dict] | None, list[str]]:
    """(the chain's entries, unreadable lines); entries None when the sink is not a readable file."""
    target = path()
    try:
        if not stat.S_ISREG(target.stat().st_mode):
            return None, []
        text = target.read_text()
    except FileNotFoundError:
        return [], []
    except OSError:
        return None, []
    entries, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if raw.get("chain") != chain:
                continue
            entries.append({
                "chain": chain, "seq": int(raw["seq"]), "head_hash": str(raw["head_hash"]),
                "at": datetime.fromisoformat(raw["at"]), "key_id": UUID(raw["key_id"]),
                "signature": b64decode(raw["signature"], validate=True),
            })
        except (ValueError, KeyError, TypeError, AttributeError):
            bad.append(f"line {number}")
    return entries, bad
