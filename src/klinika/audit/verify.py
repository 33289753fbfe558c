"""Verifying a chain: finds altered, removed and cut-off events and names the first bad one."""
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from klinika.audit import chain as chainlib
from klinika.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from klinika.audit.services import VENDOR_KEY_OWNER, chain_name
from klinika.tenancy.context import cross_clinic


@dataclass
class Problem:
    seq: int
    kind: str  # altered | missing | truncated | checkpoint
    detail: str

    def __str__(self):
        return f"event #{self.seq}: {self.kind}: {self.detail}"


@dataclass
class Report:
    chain: str
    events: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> Problem | None:
        return min(self.problems, key=lambda p: p.seq) if self.problems else None


def verify(clinic_id, progress=None) -> Report:
    name = chain_name(clinic_id)
    report = Report(chain=name)
    with cross_clinic("audit: verify a chain"):
        events = AuditEvent.objects.filter(chain=name).order_by("seq")
        total = events.count()
        computed: dict[int, str] = {}
        expected_seq, prev = 1, chainlib.GENESIS
        for event in events.iterator(chunk_size=2000):
            report.events += 1
            if progress:
                progress(report.events, total)
            if event.seq != expected_seq:
                report.problems.append(Problem(
                    expected_seq, "missing",
                    f"events #{expected_seq}..#{event.seq - 1} were removed (chain jumps to #{event.seq})"))
            elif event.prev_hash != prev:
                report.problems.append(Problem(
                    event.seq, "missing", "does not link to the event before it (an event was removed or replaced)"))
            recomputed = chainlib.link(event.prev_hash, event)
            if recomputed != event.hash:
                report.problems.append(Problem(event.seq, "altered", "its content no longer matches its hash"))
            computed[event.seq] = event.hash
            prev, expected_seq = event.hash, event.seq + 1
        last_seq = expected_seq - 1
        head = AuditChainHead.objects.filter(chain=name).first()
        if head is not None and head.last_seq > last_seq:
            report.problems.append(Problem(
                last_seq + 1, "truncated", f"the chain ends at #{last_seq} but its head records #{head.last_seq}"))
        elif head is not None and head.last_seq == last_seq and last_seq and head.last_hash != prev:
            report.problems.append(Problem(last_seq, "altered", "the last event does not match the chain head"))
        _check_checkpoints(clinic_id, name, computed, last_seq, report)
    return report


def _check_checkpoints(clinic_id, name, computed, last_seq, report):
    from klinika.crypto import keystore

    public = keystore.signing_public_keys(clinic_id or VENDOR_KEY_OWNER)
    for cp in AuditCheckpoint.objects.filter(chain=name).order_by("seq"):
        report.checkpoints += 1
        key = public.get(cp.key_id)
        message = chainlib.checkpoint_message(name, cp.seq, cp.head_hash, cp.at)
        try:
            if key is None:
                raise InvalidSignature
            Ed25519PublicKey.from_public_bytes(key).verify(bytes(cp.signature), message)
        except InvalidSignature:
            report.problems.append(Problem(cp.seq, "checkpoint", "the checkpoint's signature is not valid"))
            continue
        if cp.seq > last_seq:
            report.problems.append(Problem(
                last_seq + 1, "truncated",
                f"a signed checkpoint covers #{cp.seq} but the chain ends at #{last_seq}"))
        elif computed.get(cp.seq) != cp.head_hash:
            report.problems.append(Problem(
                cp.seq, "altered", "the chain up to here differs from what the signed checkpoint covers"))
