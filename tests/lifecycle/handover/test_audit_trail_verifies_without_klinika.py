"""The exported audit trail verifies with nothing but the export and the standard library (plus an
Ed25519 implementation), as the export's README describes: every link recomputed under the chain
key, every checkpoint's signature checked against the exported public key and the chain's hashes.
A changed event fails it."""
import base64
import hashlib
import hmac
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from klinika.audit.models import AuditEvent
from klinika.lifecycle.handover.services import export_clinic
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


class Broken(Exception):
    pass


def independent_verify(root) -> tuple[int, int]:
    """(events, checkpoints) verified; Broken names the first problem. Reads only the export's files."""
    key_file = json.loads((root / "audit/chain-key.json").read_text())
    key = base64.b64decode(key_file["key"])
    prev, seq, hashes = "0" * 64, 0, {}
    for line in (root / "audit/events.ndjson").read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["seq"] != seq + 1 or event["prev_hash"] != prev:
            raise Broken(f"event {event['seq']}: does not follow event {seq}")
        if json.loads(event["canonical"]) != event["event"]:
            raise Broken(f"event {event['seq']}: its fields differ from its canonical text")
        message = bytes.fromhex(prev) + event["canonical"].encode("utf-8")
        expected = (hmac.new(key, message, hashlib.sha256) if event["link_version"] == 2
                    else hashlib.sha256(message)).hexdigest()
        if expected != event["hash"]:
            raise Broken(f"event {event['seq']}: hash does not match its content")
        prev, seq, hashes[event["seq"]] = event["hash"], event["seq"], event["hash"]
    checkpoints = 0
    for line in (root / "audit/checkpoints.ndjson").read_text().splitlines():
        cp = json.loads(line)
        message = f"klinika-audit-checkpoint/v1|{cp['chain']}|{cp['seq']}|{cp['head_hash']}|{cp['at']}"
        if cp["message"] != message:
            raise Broken(f"checkpoint {cp['seq']}: message is not the signed form")
        public = base64.b64decode(cp["public_key"])
        if key_file["public_keys"][cp["key_id"]] != cp["public_key"]:
            raise Broken(f"checkpoint {cp['seq']}: key {cp['key_id']} is not the chain's")
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(cp["signature"]), message.encode())
        except InvalidSignature:
            raise Broken(f"checkpoint {cp['seq']}: bad signature") from None
        if hashes.get(cp["seq"]) != cp["head_hash"]:
            raise Broken(f"checkpoint {cp['seq']}: the chain differs from what it signed")
        checkpoints += 1
    return seq, checkpoints


def test_exported_chain_and_checkpoints_verify(exportable, tmp_path):
    out = tmp_path / "export"
    export_clinic(exportable.clinic, out)
    events, checkpoints = independent_verify(out)
    with clinic_context(exportable.clinic):
        # up to the last event before the export began; the export's own events follow in the live trail
        before = AuditEvent.objects.filter(chain=str(exportable.clinic.pk)).exclude(
            object_type="clinic-handover").count()
    assert events == before > 50 and checkpoints == 1
    readme = (out / "README.txt").read_text()
    assert "HMAC-SHA256(key, bytes.fromhex(prev_hash)" in readme and "Ed25519" in readme


def test_a_changed_event_fails_the_independent_check(exportable, tmp_path):
    out = tmp_path / "export"
    export_clinic(exportable.clinic, out)
    path = out / "audit/events.ndjson"
    lines = path.read_text(encoding="utf-8").splitlines()
    event = json.loads(lines[4])
    event["event"]["reason"] = "nothing happened"
    event["canonical"] = json.dumps(event["event"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    lines[4] = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(Broken, match="event 5: hash does not match"):
        independent_verify(out)
