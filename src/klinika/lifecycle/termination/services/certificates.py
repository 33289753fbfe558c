"""Issuing the deletion certificate, and the second statement once the backups are covered too."""
import datetime
import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from klinika.audit.models import Action
from klinika.lifecycle.termination import certificate as signed
from klinika.lifecycle.termination import steps
from klinika.lifecycle.termination.models import Termination
from klinika.lifecycle.termination.services import audit_step, record_step, removal
from klinika.tenancy.context import cross_clinic
from klinika.tenancy.models import Clinic

logger = logging.getLogger("klinika.lifecycle")

LIVE_STATEMENT = {
    "en": "Every value of this clinic is unreadable in every live copy of klinika's databases now: its "
          "key-encryption key and every key under it were destroyed, and its rows were removed.",
    "pl": "Żadna dana tej placówki nie jest już możliwa do odczytania w żadnej bieżącej kopii baz danych "
          "klinika: jej klucz szyfrujący klucze i wszystkie klucze pod nim zostały zniszczone, a jej "
          "wiersze usunięte.",
}


def backup_statement_text(generation: int, due: str) -> dict:
    return {
        "en": f"Every value of this clinic becomes unreadable in every backup once root key generation "
              f"{generation} is destroyed (due {due}): backups hold its key-encryption key wrapped by that "
              f"generation or an earlier one.",
        "pl": f"Każda dana tej placówki stanie się niemożliwa do odczytania w każdej kopii zapasowej z chwilą "
              f"zniszczenia generacji {generation} klucza głównego (termin: {due}): kopie zapasowe "
              f"przechowują jej klucz szyfrujący klucze opakowany tą lub wcześniejszą generacją.",
    }


def destroyed_statement_text(generation: int, at: str) -> dict:
    return {
        "en": f"Root key generation {generation} and every earlier one were destroyed on {at}: every value "
              f"of this clinic is now unreadable in every backup as well.",
        "pl": f"Generacja {generation} klucza głównego i wszystkie wcześniejsze zostały zniszczone {at}: "
              f"każda dana tej placówki jest teraz niemożliwa do odczytania także w każdej kopii zapasowej.",
    }


def _iso(moment) -> str | None:
    return moment.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z") if moment else None


def certificate_document(termination: Termination, *, issued_at) -> dict:
    clinic = Clinic.objects.get(pk=termination.clinic_id)
    due = termination.root_destroy_after
    return {
        "format": signed.CERTIFICATE_FORMAT,
        "certificate_id": str(termination.public_id),
        "issued_at": _iso(issued_at),
        "clinic": {"id": str(clinic.pk), "name": clinic.name, "slug": clinic.slug},
        "steps": {
            "notice_given": {"at": _iso(termination.notice_at), "by": termination.notice_by,
                             "reason": termination.reason},
            "export_delivered": {"at": _iso(termination.delivered_at), "by": termination.delivered_by},
            "export_acknowledged": {"at": _iso(termination.acknowledged_at), "by": termination.acknowledged_by},
            "grace_period_ended": {"at": _iso(termination.grace_ended_at),
                                   "scheduled_end": _iso(termination.grace_ends_at)},
            "crypto_shredded": {"at": _iso(termination.shredded_at)},
            "root_key_rotated": {"at": _iso(termination.root_retired_at)},
            "rows_removed": {"at": _iso(termination.rows_removed_at)},
        },
        "handover_manifest": {"sha256": termination.manifest_sha256, **termination.manifest_summary},
        "destroyed_keys": termination.destroyed_keys,
        "rows_removed": dict(sorted(termination.rows_removed.items())),
        "rows_removed_total": sum(termination.rows_removed.values()),
        "kept": {"tables": removal.kept_rows(clinic.pk),
                 "why": "the audit trail holds no personal data and stays as proof of what happened"},
        "root_key_generation": {"number": termination.root_generation, "destroy_after": _iso(due)},
        "statements": {
            "live_copies": LIVE_STATEMENT,
            "backups": backup_statement_text(termination.root_generation, f"{due:%Y-%m-%d}"),
        },
    }


def certificate_paths(termination: Termination, clinic: Clinic) -> dict:
    base = settings.KLINIKA_CERTIFICATE_DIR / f"{clinic.slug}-{termination.public_id}"
    return {"json": base.with_suffix(".json"), "pdf": base.with_suffix(".pdf"),
            "statement": base.parent / f"{base.name}-backups.json"}


def _write(path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)


def issue_certificate(termination: Termination) -> bytes:
    """Sign the certificate, write it (JSON and PDF) under KLINIKA_CERTIFICATE_DIR, record it."""
    if termination.certified_at is not None:
        return bytes(termination.certificate)
    from klinika.lifecycle.termination.pdf import certificate_pdf

    clinic = Clinic.objects.get(pk=termination.clinic_id)
    document = signed.sign(certificate_document(termination, issued_at=timezone.now()))
    paths = certificate_paths(termination, clinic)
    _write(paths["json"], document)
    _write(paths["pdf"], certificate_pdf(document))
    steps.crash_point(steps.CERTIFICATE)
    termination.certificate, termination.certified_at = document, timezone.now()
    record_step(termination, ["certificate", "certified_at"], Action.CREATE,
          f"deletion certificate issued: sha256 {hashlib.sha256(document).hexdigest()}")
    return document


def statement_document(termination: Termination, generations, *, issued_at) -> dict | None:
    """The backup statement, if every generation up to the clinic's is destroyed (else None)."""
    number = termination.root_generation
    covering = [g for g in generations if g.number <= number]
    if not covering or any(g.destroyed_at is None for g in covering):
        return None
    destroyed_at = max(g.destroyed_at for g in covering)
    clinic = Clinic.objects.get(pk=termination.clinic_id)
    return {
        "format": signed.STATEMENT_FORMAT,
        "certificate_id": str(termination.public_id),
        "certificate_sha256": hashlib.sha256(bytes(termination.certificate)).hexdigest(),
        "issued_at": _iso(issued_at),
        "clinic": {"id": str(clinic.pk), "name": clinic.name, "slug": clinic.slug},
        "root_key_generation": {"number": number, "destroyed_at": _iso(destroyed_at)},
        "statement": destroyed_statement_text(number, f"{destroyed_at:%Y-%m-%d}"),
    }


def issue_backup_statements() -> list[Termination]:
    """For every certified termination whose root generation is now destroyed, the second signed
    statement (`klinika certificate statements`, and each round of `klinika worker`)."""
    with cross_clinic("termination: find certificates still waiting for their backup statement"):
        waiting = list(Termination.objects.filter(certified_at__isnull=False, backup_statement_at__isnull=True)
                       .order_by("certified_at"))
    if not waiting:
        return []
    from klinika.crypto.keystore import root_generations  # Contract C (rootgen)

    generations = root_generations()
    issued = []
    for termination in waiting:
        document = statement_document(termination, generations, issued_at=timezone.now())
        if document is None:
            continue
        data = signed.sign(document)
        _write(certificate_paths(termination, Clinic.objects.get(pk=termination.clinic_id))["statement"], data)
        with transaction.atomic():
            with cross_clinic("termination: record the backup statement"):
                claimed = Termination.objects.select_for_update().filter(pk=termination.pk,
                                                                          backup_statement_at__isnull=True)
                if not claimed.exists():
                    continue  # another worker issued it a moment ago
                termination.backup_statement, termination.backup_statement_at = data, timezone.now()
                termination.save(update_fields=["backup_statement", "backup_statement_at"])
            audit_step(termination, Action.CREATE, f"backup statement issued: root generation "
                                               f"{termination.root_generation} destroyed")
        logger.info("termination %s: backup statement issued", termination.public_id)
        issued.append(termination)
    return issued
