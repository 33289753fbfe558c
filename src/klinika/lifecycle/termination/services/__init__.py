"""The termination state machine (`klinika clinic terminate`): every step in order, none skippable,
each audited on the vendor's chain (which outlives the clinic's keys), each idempotent.

notice → export delivered → export acknowledged → grace period over → crypto-shred → root key
rotated → rows removed → certificate. A step's effect comes first and its state is recorded after
it (with its audit event, in one transaction); a step whose state is missing is run again, and
every effect can be repeated or recognised as done, so a kill at any moment followed by a rerun
ends in the same state as an uninterrupted run (tests/lifecycle/termination/test_kill_at_each_step.py).
"""
import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.roles import Role
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.crypto.models import DataKey, KeyEncryptionKey, KeyState
from klinika.lifecycle import services as lifecycle
from klinika.lifecycle.termination import steps
from klinika.lifecycle.termination.models import Termination
from klinika.lifecycle.termination.services import removal
from klinika.tenancy.context import clinic_context, outside_any_clinic
from klinika.tenancy.models import Clinic

KEYSTORE = "keystore"
MANIFEST_FORMAT = "klinika-handover/1"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class TerminationError(ValueError):
    """A step refused: the message says what is missing and how to go on; nothing was changed."""


def termination_of(clinic) -> Termination | None:
    with clinic_context(clinic):
        return Termination.objects.filter(clinic_id=getattr(clinic, "pk", clinic)).first()


def record_step(termination: Termination, fields: list[str], action: str, text: str, *, actor=None) -> None:
    """Record a step: the termination row and its audit event, in one transaction."""
    with transaction.atomic():
        with clinic_context(termination.clinic_id):
            termination.save(update_fields=fields)
        audit_step(termination, action, text, actor=actor)


def audit_step(termination, action, text, *, actor=None):
    # The vendor's chain: the clinic's own chain can take no event once its keys are shredded.
    with outside_any_clinic("termination: every step is recorded on the vendor's audit chain"):
        record(action, object_type="clinic-termination", object_id=termination.clinic_id,
               reason=f"{termination.public_id} {text}"[:200], actor=actor)


# ---------------------------------------------------------------------------------------- notice

def give_notice(clinic: Clinic, *, reason: str, by: str, now=None) -> Termination:
    reason, by = (reason or "").strip(), (by or "").strip()
    existing = termination_of(clinic)
    if existing is not None:
        return existing  # given before (a rerun): the first notice stands
    if not reason:
        raise TerminationError("A termination needs --reason (why the contract ends, no personal data)")
    if not by:
        raise TerminationError("A termination needs --by (who gave notice: an operator's login or the party)")
    if clinic.status != Clinic.Status.ACTIVE:
        raise TerminationError(f"Clinic {clinic.slug} is already {clinic.status}: its keys were shredded "
                               f"outside a termination, so there is nothing left to terminate")
    steps.crash_point(steps.NOTICE)
    now = now or timezone.now()
    termination = Termination(clinic=clinic, reason=reason[:200], notice_by=by[:150], notice_at=now)
    with transaction.atomic():
        with clinic_context(clinic):
            termination.save()
        audit_step(termination, Action.UPDATE, f"notice given by {by}: {reason}")
    return termination


def _require(clinic: Clinic) -> Termination:
    termination = termination_of(clinic)
    if termination is None:
        raise TerminationError(f"Clinic {clinic.slug} has no termination under way; start one with "
                               f"`klinika clinic terminate {clinic.slug} --reason TEXT --by WHO`")
    return termination


# ----------------------------------------------------------------------------- export delivered

def read_manifest(path, clinic: Clinic) -> tuple[str, dict]:
    """The SHA-256 of a handover export's manifest.json and a summary, after the checks Contract B
    allows: it parses, it is complete, it is this clinic's; with the handover's verifier, every file."""
    path = Path(path)
    manifest = path / "manifest.json" if path.is_dir() else path
    try:
        data = manifest.read_bytes()
    except OSError as exc:
        raise TerminationError(f"Cannot read the export's manifest {manifest} ({exc.strerror}); "
                               f"--delivered takes the export directory or its manifest.json") from None
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TerminationError(f"{manifest} is not JSON ({exc}): not a handover manifest") from None
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise TerminationError(f"{manifest} is not a handover manifest (format {MANIFEST_FORMAT} expected)")
    if document.get("complete") is not True:
        raise TerminationError(f"The export at {manifest.parent} is not complete; finish it with "
                               f"`klinika clinic export {clinic.slug} --out {manifest.parent}` (it resumes)")
    if str((document.get("clinic") or {}).get("id")) != str(clinic.pk):
        raise TerminationError(f"The export at {manifest.parent} is of another clinic, not {clinic.slug}")
    files = document.get("files")
    if not isinstance(files, list):
        raise TerminationError(f"{manifest} lists no files")
    _verify_files(manifest.parent)
    summary = {"format": document["format"], "created_at": str(document.get("created_at", "")),
               "files": len(files), "counts": document.get("counts") or {}}
    return hashlib.sha256(data).hexdigest(), summary


def _verify_files(directory: Path) -> None:
    try:  # the handover part's verifier (Contract B), once it is merged
        from klinika.lifecycle.handover.verify import verify_export
    except ImportError:
        return
    report = verify_export(directory)
    if not report.ok:
        raise TerminationError(f"The export at {directory} does not verify: " + "; ".join(report.problems[:5]))


def record_delivery(clinic: Clinic, export, *, by: str, now=None) -> Termination:
    termination = _require(clinic)
    digest, summary = read_manifest(export, clinic)
    if termination.delivered_at is not None and termination.manifest_sha256 == digest:
        return termination
    if termination.acknowledged_at is not None:
        raise TerminationError(f"The clinic already acknowledged the export with manifest "
                               f"{termination.manifest_sha256}; another export cannot replace it")
    steps.crash_point(steps.DELIVERED)
    termination.manifest_sha256, termination.manifest_summary = digest, summary
    termination.delivered_by, termination.delivered_at = (by or "").strip()[:150], now or timezone.now()
    record_step(termination, ["manifest_sha256", "manifest_summary", "delivered_by", "delivered_at"], Action.EXPORT,
          f"export delivered by {termination.delivered_by}: manifest sha256 {digest}")
    return termination


# ------------------------------------------------------------------------- export acknowledged

def clinic_admin(clinic: Clinic, login: str):
    admin = get_user_model().objects.filter(username=login, clinic=clinic, role=Role.CLINIC_ADMIN,
                                            is_active=True).first()
    if admin is None:
        raise TerminationError(f"No active administrator {login!r} in clinic {clinic.slug}; --admin names one of "
                               f"its administrators (the one who acknowledged the export)")
    return admin


def acknowledge(clinic: Clinic, manifest_sha256: str, *, admin, now=None) -> Termination:
    """The clinic's administrator confirms receipt of the export by the SHA-256 of its manifest.json."""
    termination = termination_of(clinic)
    if termination is None or termination.delivered_at is None:
        raise TerminationError(_("No handover export has been delivered to the clinic yet; "
                                 "there is nothing to acknowledge."))
    given = (manifest_sha256 or "").strip().lower()
    if not _SHA256.fullmatch(given):
        raise TerminationError(_("Enter the SHA-256 of manifest.json: 64 hexadecimal characters "
                                 "(for example from the command sha256sum manifest.json)."))
    if termination.acknowledged_at is not None:
        if given == termination.manifest_sha256:
            return termination
        raise TerminationError(_("The export was already acknowledged with another manifest."))
    if given != termination.manifest_sha256:
        raise TerminationError(_("This is not the SHA-256 of the delivered export's manifest.json. Compute it "
                                 "again on the manifest.json you received and enter all 64 characters."))
    if admin.clinic_id != clinic.pk or admin.role != Role.CLINIC_ADMIN or not admin.is_active:
        raise TerminationError(_("Only the clinic's administrator can acknowledge the export."))
    steps.crash_point(steps.ACKNOWLEDGED)
    now = now or timezone.now()
    termination.acknowledged_by, termination.acknowledged_at = admin.username, now
    termination.grace_ends_at = now + timedelta(days=settings.KLINIKA_TERMINATION_GRACE_DAYS)
    record_step(termination, ["acknowledged_by", "acknowledged_at", "grace_ends_at"], Action.EXPORT,
          f"export acknowledged by {admin.username}; grace period until {termination.grace_ends_at:%Y-%m-%d %H:%M}")
    return termination


def acknowledge_as(clinic: Clinic, manifest_sha256: str, login: str) -> Termination:
    """`--acknowledged SHA256 --admin LOGIN`: a written acknowledgement, recorded by the vendor."""
    termination = termination_of(clinic)
    if (termination is not None and termination.acknowledged_at is not None
            and (manifest_sha256 or "").strip().lower() == termination.manifest_sha256):
        return termination  # recorded before (a rerun): the admin's login may be gone with the clinic's rows
    return acknowledge(clinic, manifest_sha256, admin=clinic_admin(clinic, login))


# -------------------------------------------------------------------------- the automatic steps

def advance(clinic: Clinic, *, now=None, chunk: int = removal.CHUNK, progress=None) -> Termination:
    """Every step that is due, in order: grace period over, shred, root rotation, rows, certificate."""
    termination = _require(clinic)
    if termination.delivered_at is None:
        raise TerminationError(f"Waiting for the handover export: export the clinic (`klinika clinic export "
                               f"{clinic.slug} --out DIR`), deliver it, then record it with --delivered DIR")
    if termination.acknowledged_at is None:
        raise TerminationError(f"Waiting for the clinic to acknowledge the export (manifest sha256 "
                               f"{termination.manifest_sha256}): its administrator does so on the termination "
                               f"page, or record a written acknowledgement with --acknowledged SHA256 --admin LOGIN")
    now = now or timezone.now()
    if termination.grace_ended_at is None:
        if now < termination.grace_ends_at:
            ends = timezone.localtime(termination.grace_ends_at)
            raise TerminationError(f"The grace period runs until {ends:%Y-%m-%d %H:%M %Z}; the clinic may still "
                                   f"export its data until then. Run this again from then on.")
        steps.crash_point(steps.GRACE)
        termination.grace_ended_at = now
        record_step(termination, ["grace_ended_at"], Action.UPDATE, "grace period over")
    _shred(termination)
    _rotate_root(termination)
    _remove_rows(termination, chunk, progress)
    from klinika.lifecycle.termination.services.certificates import issue_certificate

    issue_certificate(termination)
    return termination


def _live_keys(clinic_id) -> bool:
    return (KeyEncryptionKey.objects.using(KEYSTORE).filter(clinic_id=clinic_id)
            .exclude(state=KeyState.DESTROYED).exists()
            or DataKey.objects.using(KEYSTORE).filter(clinic_id=clinic_id).exclude(purpose=DataKey.Purpose.SUBJECT)
            .exclude(state=KeyState.DESTROYED).exists())


def destroyed_inventory(clinic_id) -> tuple:
    """(when, inventory) of the keys the shred destroyed: those gone at the moment the last KEK went.
    Ids and counts only; the subject keys (one per person) as a count and a hash of their sorted ids."""
    at = (KeyEncryptionKey.objects.using(KEYSTORE).filter(clinic_id=clinic_id, state=KeyState.DESTROYED)
          .aggregate(at=Max("destroyed_at"))["at"])
    keks = sorted(str(k) for k in KeyEncryptionKey.objects.using(KEYSTORE).filter(
        clinic_id=clinic_id, destroyed_at=at).values_list("key_id", flat=True))
    clinic_keys: dict[str, list[str]] = {}
    subjects = []
    # The clinic keys died with the KEK; the per-person keys became unreadable at that moment and are
    # wiped with the row removal (keystore.sweep_shredded_subject_keys): those alive at `at` count.
    died_with_kek = Q(destroyed_at=at) & ~Q(purpose=DataKey.Purpose.SUBJECT)
    unreadable_since = Q(purpose=DataKey.Purpose.SUBJECT) & (Q(destroyed_at__isnull=True) | Q(destroyed_at__gte=at))
    for key_id, purpose in DataKey.objects.using(KEYSTORE).filter(
            died_with_kek | unreadable_since, clinic_id=clinic_id).values_list("key_id", "purpose"):
        if purpose == DataKey.Purpose.SUBJECT:
            subjects.append(str(key_id))
        else:
            clinic_keys.setdefault(purpose, []).append(str(key_id))
    subjects.sort()
    inventory = {
        "key_encryption_keys": keks,
        "clinic_keys": {purpose: sorted(ids) for purpose, ids in sorted(clinic_keys.items())},
        "subject_keys": {"count": len(subjects),
                         "sha256_of_sorted_ids": hashlib.sha256("\n".join(subjects).encode()).hexdigest()},
        "total": len(keks) + sum(len(ids) for ids in clinic_keys.values()) + len(subjects),
    }
    return at, inventory


def _shred(termination: Termination) -> None:
    if termination.shredded_at is not None:
        return
    clinic = Clinic.objects.get(pk=termination.clinic_id)
    if _live_keys(clinic.pk):
        # KEK and every key under it destroyed, the revocation counter bumped in the same keystore
        # transaction: every process drops its cached keys within KLINIKA_KEY_REVOCATION_SECONDS.
        lifecycle.shred_clinic(clinic, reason=f"termination {termination.public_id}", sweep=False)
    elif clinic.status != Clinic.Status.TERMINATED:  # killed between the keystore and the clinic row
        with transaction.atomic():
            Clinic.objects.filter(pk=clinic.pk).update(status=Clinic.Status.TERMINATED)
    steps.crash_point(steps.SHRED)
    termination.shredded_at, termination.destroyed_keys = destroyed_inventory(clinic.pk)
    record_step(termination, ["shredded_at", "destroyed_keys"], Action.KEY,
          f"crypto-shred: {termination.destroyed_keys['total']} keys destroyed")


def _rotate_root(termination: Termination) -> None:
    """Retire the root generation that wrapped the clinic's KEK (Contract C), so that every keystore
    backup holding that KEK becomes unreadable once the generation is destroyed."""
    if termination.root_retired_at is not None:
        return
    from klinika.crypto.keystore import root_generations, rotate_root

    generation = _generation_at(root_generations(), termination.shredded_at)
    if generation.retired_at is None:  # not rotated since the shred yet (or the rotation was lost to a kill)
        rotate_root()
        generation = next(g for g in root_generations() if g.number == generation.number)
    steps.crash_point(steps.ROTATE_ROOT)
    termination.root_generation, termination.root_retired_at = generation.number, generation.retired_at
    termination.root_destroy_after = generation.destroy_after
    record_step(termination, ["root_generation", "root_retired_at", "root_destroy_after"], Action.KEY,
          f"root key rotated: generation {generation.number} retired, to be destroyed after "
          f"{generation.destroy_after:%Y-%m-%d}")


def _generation_at(generations, moment):
    """The generation that was current at `moment`: the oldest one not retired before it."""
    current = [g for g in generations if g.retired_at is None or g.retired_at > moment]
    if not current:
        raise TerminationError("No root key generation was current at the shred; check `klinika keys generations`")
    return min(current, key=lambda g: g.number)


def _remove_rows(termination: Termination, chunk: int, progress) -> None:
    if termination.rows_removed_at is not None:
        return
    removal.remove_rows(termination, chunk=chunk, progress=progress)
    termination.refresh_from_db()
    steps.crash_point(steps.ROWS)
    termination.rows_removed_at = timezone.now()
    total = sum(termination.rows_removed.values())
    record_step(termination, ["rows_removed_at"], Action.DELETE,
          f"rows removed: {total} rows in {len(termination.rows_removed)} tables; the audit trail is kept")


# ---------------------------------------------------------------------------------------- status

def status(termination: Termination) -> list[dict]:
    """Each step, done or not, with its date: for the status page and the command's output."""
    return [{"key": step, "label": steps.LABELS[step], "done": steps.done(termination, step),
             "at": getattr(termination, steps.DONE_FIELD[step])} for step in steps.ORDER]
