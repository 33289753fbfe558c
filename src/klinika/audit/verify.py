"""Verifying a chain: finds altered, removed and cut-off events and names the first bad one.

What is trusted comes from outside the clinic database: the chain's audit key and the point
where its keyed links begin (keystore), and the witnessed checkpoints (keystore and the
witness file). Events before that point carry plain SHA-256 links from before keyed links
existed; the keystore holds the hash of the last of them, so they cannot be rewritten either.

A crypto-shredded clinic's audit key is gone with its other keys, so its keyed links can no
longer be recomputed. Verify then still checks that every event links to the one before it,
that nothing is missing, and that the chain matches every witnessed checkpoint (their public
keys are kept), and says that the links themselves were not recomputed.
"""
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from klinika.audit import chain as chainlib
from klinika.audit import witness
from klinika.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from klinika.audit.services import VENDOR_KEY_OWNER, chain_name
from klinika.crypto import keystore
from klinika.crypto.errors import KeyDestroyed, KeyNotFound
from klinika.tenancy.context import cross_clinic


@dataclass
class Problem:
    seq: int
    kind: str  # altered | missing | truncated | checkpoint | witness
    detail: str

    def __str__(self):
        return f"event #{self.seq}: {self.kind}: {self.detail}"


@dataclass
class Report:
    chain: str
    events: int = 0
    checkpoints: int = 0  # signed checkpoints in the clinic database
    witnessed: int = 0  # witnessed checkpoints (keystore and witness file) the chain was checked against
    last_witnessed: int = 0  # the highest event a witnessed checkpoint covers
    keyed_from: int | None = None  # None: a chain from before keyed links, never appended to since
    key_shredded: bool = False  # keyed links were checked for order only: the audit key is destroyed
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def pending(self) -> int:
        """Events not yet under a witnessed checkpoint: these alone could be cut off unnoticed."""
        return max(self.events - self.last_witnessed, 0)

    @property
    def first_bad(self) -> Problem | None:
        return min(self.problems, key=lambda p: p.seq) if self.problems else None


def verify(clinic_id, progress=None) -> Report:
    name = chain_name(clinic_id)
    owner = clinic_id or VENDOR_KEY_OWNER
    report = Report(chain=name)
    start = keystore.keyed_links_recorded(name)
    report.keyed_from = start.keyed_from if start else None
    mac = _keyer(owner, report)
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
            _check_link(event, start, mac, report)
            computed[event.seq] = event.hash
            prev, expected_seq = event.hash, event.seq + 1
        last_seq = expected_seq - 1
        head = AuditChainHead.objects.filter(chain=name).first()
        if head is not None and head.last_seq > last_seq:
            report.problems.append(Problem(
                last_seq + 1, "truncated", f"the chain ends at #{last_seq} but its head records #{head.last_seq}"))
        elif head is not None and head.last_seq == last_seq and last_seq and head.last_hash != prev:
            report.problems.append(Problem(last_seq, "altered", "the last event does not match the chain head"))
        if start is not None and start.keyed_from > 1:
            unkeyed_end = start.keyed_from - 1
            if unkeyed_end > last_seq:
                report.problems.append(Problem(
                    last_seq + 1, "truncated",
                    f"the keystore records unkeyed links up to #{unkeyed_end} but the chain ends at #{last_seq}"))
            elif computed.get(unkeyed_end) != start.head_hash:
                report.problems.append(Problem(
                    unkeyed_end, "altered",
                    "the unkeyed events before keyed links began differ from what the keystore recorded"))
        public = keystore.signing_public_keys(owner)
        _check_checkpoints(name, public, computed, last_seq, report)
        _check_witnesses(name, public, computed, last_seq, report)
    return report


def _keyer(owner, report):
    try:
        return chainlib.keyer(keystore.clinic_key(owner, keystore.Purpose.AUDIT).material)
    except KeyDestroyed:
        report.key_shredded = True
        return None
    except KeyNotFound:
        return None  # a chain from before keyed links: any keyed link in it is then a problem


def _check_link(event, start, mac, report):
    keyed = start is not None and event.seq >= start.keyed_from
    if keyed and event.link_version != chainlib.KEYED:
        report.problems.append(Problem(
            event.seq, "altered",
            f"an unkeyed link, but the keystore records keyed links from #{start.keyed_from} on"))
        return
    if not keyed and event.link_version != chainlib.UNKEYED:
        where = (f"before #{start.keyed_from}, where keyed links begin" if start
                 else "in a chain the keystore holds no keyed links for")
        report.problems.append(Problem(event.seq, "altered", f"claims a keyed link {where}"))
        return
    if not keyed:
        recomputed = chainlib.link(event.prev_hash, event)
    elif mac is not None:
        recomputed = chainlib.keyed_link(mac, event.prev_hash, event)
    elif report.key_shredded:
        return  # nothing to recompute with; order and witnesses are still checked
    else:
        report.problems.append(Problem(event.seq, "altered", "a keyed link, but the chain has no audit key"))
        return
    if recomputed != event.hash:
        report.problems.append(Problem(event.seq, "altered", "its content no longer matches its hash"))


def _signed(public, key_id, message, signature) -> bool:
    key = public.get(key_id)
    if key is None:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(bytes(signature), message)
    except InvalidSignature:
        return False
    return True


def _check_checkpoints(name, public, computed, last_seq, report):
    for cp in AuditCheckpoint.objects.filter(chain=name).order_by("seq"):
        report.checkpoints += 1
        message = chainlib.checkpoint_message(name, cp.seq, cp.head_hash, cp.at)
        if not _signed(public, cp.key_id, message, cp.signature):
            report.problems.append(Problem(cp.seq, "checkpoint", "the checkpoint's signature is not valid"))
            continue
        if cp.seq > last_seq:
            report.problems.append(Problem(
                last_seq + 1, "truncated",
                f"a signed checkpoint covers #{cp.seq} but the chain ends at #{last_seq}"))
        elif computed.get(cp.seq) != cp.head_hash:
            report.problems.append(Problem(
                cp.seq, "altered", "the chain up to here differs from what the signed checkpoint covers"))


def _witnesses(name, report):
    """Both copies, each entry once: (entry, where it came from)."""
    seen, found = set(), []
    rows = [({"seq": w.seq, "head_hash": w.head_hash, "at": w.at, "key_id": w.key_id,
              "signature": bytes(w.signature)}, "keystore") for w in keystore.witnessed_checkpoints(name)]
    entries, unreadable = witness.read(name)
    if entries is None:
        report.notes.append(f"the witness sink {witness.path()} is not a readable file: only the keystore's "
                            "copy of the witnessed checkpoints was checked")
    for line in unreadable:
        report.notes.append(f"witness file {witness.path()}: {line} is not a witness entry")
    rows += [(entry, "witness file") for entry in entries or []]
    for entry, source in rows:
        identity = (entry["seq"], entry["head_hash"], entry["at"], entry["signature"])
        if identity not in seen:
            seen.add(identity)
            found.append((entry, source))
    return found


def _check_witnesses(name, public, computed, last_seq, report):
    in_clinic_db = set(AuditCheckpoint.objects.filter(chain=name).values_list("seq", "head_hash", "at"))
    for entry, source in _witnesses(name, report):
        seq = entry["seq"]
        message = chainlib.checkpoint_message(name, seq, entry["head_hash"], entry["at"])
        if not _signed(public, entry["key_id"], message, entry["signature"]):
            report.problems.append(Problem(seq, "witness", f"a checkpoint in the {source} has an invalid signature"))
            continue
        report.witnessed += 1
        report.last_witnessed = max(report.last_witnessed, seq)
        if seq > last_seq:
            report.problems.append(Problem(
                last_seq + 1, "truncated",
                f"a witnessed checkpoint ({source}) covers #{seq} but the chain ends at #{last_seq}"))
        elif computed.get(seq) != entry["head_hash"]:
            report.problems.append(Problem(
                seq, "altered", f"the chain up to here differs from the witnessed checkpoint ({source})"))
        if (seq, entry["head_hash"], entry["at"]) not in in_clinic_db:
            report.problems.append(Problem(
                seq, "checkpoint",
                f"a witnessed checkpoint ({source}, signed {entry['at']:%Y-%m-%d %H:%M:%S}) "
                "was removed from the clinic database"))
